"""A question version as one candidate sees it, and the scoring of their response.

`candidate_view` is everything a browser may receive: never the answer key. The same
`seed` always gives the same drawn values and choice order, so an attempt stores only
the version and the seed.
"""

import math
import random
from dataclasses import dataclass
from typing import Any

from . import numeric
from .errors import ResponseInvalid
from .models import Kind, QuestionVersion

MAX_NUMERIC_INPUT = 64


@dataclass(frozen=True)
class Scored:
    """The outcome of one response: `score` in [0, 1], or None when a person must score it."""

    score: float | None
    correct: bool | None
    correct_answer: str
    error: str = ""


def choice_order(version: QuestionVersion, seed: int) -> list[int]:
    order = list(range(len(version.content["choices"])))
    random.Random(f"{seed}:choices").shuffle(order)
    return order


def numeric_values(version: QuestionVersion, seed: int) -> dict[str, Any]:
    return numeric.draw_values(version.content["params"], seed)


def candidate_view(version: QuestionVersion, seed: int) -> dict[str, Any]:
    """What the candidate's page shows: prompt and options, no answer key."""
    content = version.content
    view: dict[str, Any] = {"kind": content["kind"], "prompt": content["prompt"]}
    if content["kind"] in (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE):
        view["choices"] = [
            {"index": i, "text": content["choices"][i]["text"]} for i in choice_order(version, seed)
        ]
    elif content["kind"] == Kind.NUMERIC:
        view["prompt"] = numeric.render_prompt(content["prompt"], numeric_values(version, seed))
    elif content["kind"] == Kind.WRITTEN:
        view["max_words"] = content["max_words"]
    elif content["kind"] == Kind.CODING:
        view.update(
            problem=content["problem"],
            title=content["title"],
            statement=statement_without_title(content["statement"], content["title"]),
            starter_code=content["starter_code"],
            language=problem_language(content["problem"]),
        )
    return view


# The editor's label names what the candidate writes in (Problem.runtime).
LANGUAGES = {"numpy": "Python with NumPy", "torch": "Python with PyTorch"}


def problem_language(problem: str) -> str:
    """The language a coding problem is answered in, in words: "Python with PyTorch" for
    a problem whose functions receive torch tensors, else "Python with NumPy"."""
    from grader.engine.problems import UnknownProblem, get_problem

    try:
        return LANGUAGES.get(get_problem(problem).runtime, LANGUAGES["numpy"])
    except UnknownProblem:
        return LANGUAGES["numpy"]


def statement_without_title(statement: str, title: str) -> str:
    """The statement without its leading `# title` line: pages show the title as their
    own heading, and a second copy reads as a repeat (and to a screen reader, twice)."""
    first, _, rest = statement.lstrip().partition("\n")
    if first.startswith("#") and first.lstrip("# ").strip() == title.strip():
        return rest.lstrip("\n")
    return statement


def parse_number(raw: Any) -> float:
    """A candidate's typed number: accepts `1.5`, `-2e-3`, `1,5` is refused."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str) and raw.strip() and len(raw) <= MAX_NUMERIC_INPUT:
        try:
            value = float(raw.strip())
        except ValueError:
            raise ResponseInvalid(
                f"{raw.strip()!r} is not a number (use a dot for decimals)"
            ) from None
    else:
        raise ResponseInvalid("enter a number")
    if not math.isfinite(value):
        raise ResponseInvalid("enter a finite number")
    return value


def _choice_indices(version: QuestionVersion, raw: Any) -> set[int]:
    items = raw if isinstance(raw, list | tuple) else [raw]
    total = len(version.content["choices"])
    picked = set()
    for item in items:
        try:
            index = int(item)
        except (TypeError, ValueError):
            raise ResponseInvalid("unknown choice") from None
        if not 0 <= index < total:
            raise ResponseInvalid("unknown choice")
        picked.add(index)
    return picked


def correct_answer_text(version: QuestionVersion, seed: int) -> str:
    content = version.content
    if content["kind"] in (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE):
        return "; ".join(c["text"] for c in content["choices"] if c["correct"])
    if content["kind"] == Kind.NUMERIC:
        answer = numeric.answer_value(content["answer"], numeric_values(version, seed))
        return f"{answer:.{content['answer_decimals']}f}"
    if content["kind"] == Kind.WRITTEN:
        return content["expected_answer"]
    return ""


def score_response(version: QuestionVersion, seed: int, response: Any) -> Scored:
    """Score one response. Multiple-answer questions give partial credit:
    (correct picks - wrong picks) / number of correct choices, never below zero.
    Raises `ResponseInvalid` for a response that cannot be read."""
    content = version.content
    kind = content["kind"]
    if kind in (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE):
        picked = _choice_indices(version, response)
        if kind == Kind.SINGLE_CHOICE and len(picked) != 1:
            raise ResponseInvalid("choose one answer")
        if not picked:
            raise ResponseInvalid("choose at least one answer")
        correct = {i for i, c in enumerate(content["choices"]) if c["correct"]}
        hits, wrong = len(picked & correct), len(picked - correct)
        score = max(0.0, (hits - wrong) / len(correct))
        return Scored(score, picked == correct, correct_answer_text(version, seed))
    if kind == Kind.NUMERIC:
        given = parse_number(response)
        values = numeric_values(version, seed)
        answer = numeric.answer_value(content["answer"], values)
        ok = numeric.within_tolerance(given, answer, content["tolerance"])
        return Scored(1.0 if ok else 0.0, ok, f"{answer:.{content['answer_decimals']}f}")
    # Written answers wait for a reviewer; coding answers for the grader.
    return Scored(None, None, correct_answer_text(version, seed))


# What a coding problem needs to be graded, in the recruiter's words.
GPU_NEEDS = {
    "cpu": "",
    "gpu-preferred": "GPU preferred (else a CPU worker with PyTorch grades it)",
    "gpu-required": "GPU required",
}


def question_placement(content: dict[str, Any]) -> str:
    """Where a question is graded: `cpu` for everything but coding problems that want a
    GPU (`gpu-preferred`) or cannot run without one (`gpu-required`)."""
    if content.get("kind") != Kind.CODING:
        return "cpu"
    from grader.routing import problem_placement

    return problem_placement(content["problem"])


def gpu_problems() -> list[str]:
    """The slugs of the grader's problems that want a GPU (preferred or required)."""
    from grader.engine.problems import GPU_PREFERRED, GPU_REQUIRED, list_problems

    return [p.slug for p in list_problems() if p.placement in (GPU_PREFERRED, GPU_REQUIRED)]
