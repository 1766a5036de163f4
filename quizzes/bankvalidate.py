"""Validating one bank question: the rules every question follows, then its kind's rules.

`validate_question` checks the common fields and hands the kind-specific ones to the
kind's validator in `KIND_RULES` (a dispatch table: one function per kind). Every problem
is reported through `report(line, message)`; nothing stops at the first one.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import numeric
from .models import BANK_POOLS, Kind, Level, Pool
from .yamlio import LineDict

KEY_PATTERN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")
MAX_TEXT = 20_000

COMMON_FIELDS = (
    "id",
    "kind",
    "topic",
    "level",
    "pool",
    "excludes",
    "prompt",
    "explanation",
)
# Filled from the grader when a coding question is loaded, never written in bank files.
CODING_DERIVED_FIELDS = ("title", "statement", "starter_code")


@dataclass(frozen=True)
class BankIssue:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class BankError(Exception):
    """The bank files are invalid; `issues` lists every problem found."""

    def __init__(self, issues: list[BankIssue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


@dataclass
class BankQuestion:
    key: str
    kind: str
    topic: str
    level: str
    pool: str
    content: dict
    source_file: str
    line: int
    # Bank ids this question gives away or duplicates: never drawn into one attempt with it.
    excludes: tuple[str, ...] = ()
    excludes_line: int = 0

    @property
    def content_hash(self) -> str:
        return content_hash(self.content)


def content_hash(content: Mapping) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


Report = Callable[[int, str], None]


class Reporter:
    def __init__(self, path: str):
        self.path = path
        self.issues: list[BankIssue] = []

    def __call__(self, line: int, message: str) -> None:
        self.issues.append(BankIssue(self.path, line, message))


def line_of(node: Any, key: str | None = None) -> int:
    if isinstance(node, LineDict):
        return node.line_of(key) if key else node.line
    return 0


def _text(q: Mapping, name: str, report, *, required: bool = True, limit: int = MAX_TEXT):
    value = q.get(name)
    if value is None:
        if required:
            report(line_of(q), f"missing {name!r}")
        return None
    if not isinstance(value, str) or not value.strip():
        report(line_of(q, name), f"{name!r} must be non-empty text")
        return None
    if len(value) > limit:
        report(line_of(q, name), f"{name!r} is {len(value)} characters, over the limit of {limit}")
        return None
    return value


def _choices(q: Mapping, kind: str, report) -> list[dict] | None:
    choices = q.get("choices")
    if not isinstance(choices, list) or not 2 <= len(choices) <= 8:
        report(line_of(q, "choices"), "'choices' must be a list of 2 to 8 {text, correct} items")
        return None
    clean = []
    for index, choice in enumerate(choices, start=1):
        where = line_of(choice) or line_of(q, "choices")
        if not isinstance(choice, Mapping) or set(choice) - {"text", "correct"}:
            report(where, f"choice {index} must have only 'text' and 'correct'")
            return None
        text, correct = choice.get("text"), choice.get("correct")
        if (
            not isinstance(text, str | int | float)
            or isinstance(text, bool)
            or not str(text).strip()
        ):
            report(where, f"choice {index} needs a non-empty 'text'")
            return None
        if not isinstance(correct, bool):
            report(where, f"choice {index} needs 'correct: true' or 'correct: false'")
            return None
        clean.append({"text": str(text), "correct": correct})
    texts = Counter(c["text"].strip() for c in clean)
    duplicated = [t for t, n in texts.items() if n > 1]
    if duplicated:
        report(line_of(q, "choices"), f"duplicate choice text {duplicated[0]!r}")
        return None
    n_correct = sum(c["correct"] for c in clean)
    if kind == Kind.SINGLE_CHOICE and n_correct != 1:
        report(
            line_of(q, "choices"),
            f"single_choice needs exactly one correct choice, found {n_correct}",
        )
        return None
    if kind == Kind.MULTIPLE_CHOICE and not 1 <= n_correct < len(clean):
        report(
            line_of(q, "choices"),
            "multiple_choice needs at least one correct and one wrong choice, "
            f"found {n_correct} correct of {len(clean)}",
        )
        return None
    return clean


def _validate_single_choice(q: Mapping, prompt: str | None, report: Report) -> dict | None:
    choices = _choices(q, Kind.SINGLE_CHOICE, report)
    return {"choices": choices} if choices else None


def _validate_multiple_choice(q: Mapping, prompt: str | None, report: Report) -> dict | None:
    choices = _choices(q, Kind.MULTIPLE_CHOICE, report)
    return {"choices": choices} if choices else None


def _validate_numeric(q: Mapping, prompt: str | None, report: Report) -> dict | None:
    params, answer, tolerance = q.get("params"), q.get("answer"), q.get("tolerance")
    ok = True
    if not isinstance(params, Mapping) or not params:
        report(line_of(q, "params"), "'params' must be a non-empty mapping of name: spec")
        return None
    for name, spec in params.items():
        problem = numeric.validate_param_spec(name, spec)
        if problem:
            report(line_of(spec) or line_of(params, name), problem)
            ok = False
    if not _answer_names_match(q, params, answer, report):
        if not isinstance(answer, Mapping) or set(answer) not in ({"quantity"}, {"formula"}):
            return None
        ok = False
    if (
        not isinstance(tolerance, Mapping)
        or not tolerance
        or set(tolerance) - {"abs", "rel"}
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
            for v in tolerance.values()
        )
        or not any(tolerance.values())
    ):
        report(
            line_of(q, "tolerance"),
            "'tolerance' must be {abs: A, rel: R} with A, R >= 0, not both 0",
        )
        ok = False
    decimals = q.get("answer_decimals", 4)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 10:
        report(line_of(q, "answer_decimals"), "'answer_decimals' must be an integer from 0 to 10")
        ok = False
    if not ok or prompt is None:
        return None
    # Draw a few candidates' values to catch broken placeholders and quantities now,
    # not in front of a candidate.
    for seed in (0, 1, 2):
        values = numeric.draw_values(params, seed)
        try:
            numeric.render_prompt(prompt, values)
        except numeric.TemplateError as exc:
            report(line_of(q, "prompt"), str(exc))
            return None
        try:
            numeric.answer_value(answer, values)
        except numeric.TemplateError as exc:
            report(line_of(q, "answer"), f"the answer failed on {values}: {exc}")
            return None
        except Exception as exc:  # the quantity raised on drawn values: a bank bug
            report(line_of(q, "answer"), f"the answer failed on {values}: {exc}")
            return None
    content = {"params": plain(params), "answer": plain(answer), "tolerance": plain(tolerance)}
    content["answer_decimals"] = decimals
    return content


def _answer_names_match(q: Mapping, params: Mapping, answer: Any, report: Report) -> bool:
    """Whether `answer` is {quantity: NAME} taking exactly the params, or {formula: TEXT}
    reading only them (quizzes.formula); reports why not."""
    from .formula import FormulaError, formula_names, parse_formula

    where = line_of(answer) or line_of(q, "answer")
    if not isinstance(answer, Mapping) or set(answer) not in ({"quantity"}, {"formula"}):
        report(
            line_of(q, "answer"),
            "'answer' must be {quantity: NAME} (a quizzes.quantities function) "
            "or {formula: TEXT} (arithmetic of the params)",
        )
        return False
    if "formula" in answer:
        try:
            parse_formula(answer["formula"], [str(name) for name in params])
        except FormulaError as exc:
            report(where, f"answer formula: {exc}")
            return False
        if not formula_names(answer["formula"]):
            report(where, "answer formula: it reads none of the params")
            return False
        return True
    try:
        expected = numeric.quantity_parameter_names(answer["quantity"])
    except numeric.TemplateError as exc:
        report(where, str(exc))
        return False
    if expected != set(params):
        report(
            line_of(q, "params"),
            f"params {sorted(params)} do not match quantity {answer['quantity']!r}'s "
            f"arguments {sorted(expected)}",
        )
        return False
    return True


def _validate_written(q: Mapping, prompt: str | None, report: Report) -> dict | None:
    expected = _text(q, "expected_answer", report)
    signal = _text(q, "recruiter_signal", report, limit=300)
    if signal and "\n" in signal.strip():
        report(line_of(q, "recruiter_signal"), "'recruiter_signal' must be one line")
        signal = None
    rubric = q.get("rubric")
    clean_rubric = []
    if not isinstance(rubric, list) or not rubric:
        report(line_of(q, "rubric"), "'rubric' must be a non-empty list of {points, criterion}")
        rubric = None
    for item in rubric or []:
        where = line_of(item) or line_of(q, "rubric")
        if (
            not isinstance(item, Mapping)
            or set(item) != {"points", "criterion"}
            or not isinstance(item["points"], int)
            or isinstance(item["points"], bool)
            or not 1 <= item["points"] <= 100
            or not isinstance(item["criterion"], str)
            or not item["criterion"].strip()
        ):
            report(
                where,
                "each rubric item needs 'points' (an integer from 1 to 100) and a 'criterion'",
            )
            rubric = None
            break
        clean_rubric.append({"points": item["points"], "criterion": item["criterion"]})
    max_words = q.get("max_words", 300)
    if not isinstance(max_words, int) or isinstance(max_words, bool) or not 20 <= max_words <= 2000:
        report(line_of(q, "max_words"), "'max_words' must be an integer from 20 to 2000")
        max_words = None
    if expected is None or signal is None or rubric is None or max_words is None:
        return None
    return {
        "expected_answer": expected,
        "rubric": clean_rubric,
        "recruiter_signal": signal.strip(),
        "max_words": max_words,
    }


def _validate_coding(q: Mapping, prompt: str | None, report: Report) -> dict | None:
    from grader.engine import problems  # the bank points at grader problems, never the reverse

    slug = q.get("problem")
    if not isinstance(slug, str):
        report(line_of(q, "problem"), "'problem' must be a grader problem slug")
        return None
    try:
        problem = problems.get_problem(slug)
    except KeyError:
        known = ", ".join(p.slug for p in problems.list_problems())
        report(line_of(q, "problem"), f"unknown grader problem {slug!r} (known: {known})")
        return None
    return {
        "problem": slug,
        "title": problem.title,
        "statement": problem.statement,
        "starter_code": problem.starter_code,
    }


@dataclass(frozen=True)
class KindRules:
    """A kind's own fields (all allowed, and those required) and the function that
    validates them, returning the kind-specific part of the content."""

    fields: tuple[str, ...]
    required: tuple[str, ...]
    validate: Callable[[Mapping, str | None, Report], dict | None]


KIND_RULES: dict[str, KindRules] = {
    Kind.SINGLE_CHOICE: KindRules(("choices",), ("choices",), _validate_single_choice),
    Kind.MULTIPLE_CHOICE: KindRules(("choices",), ("choices",), _validate_multiple_choice),
    Kind.NUMERIC: KindRules(
        ("params", "answer", "tolerance", "answer_decimals"),
        ("params", "answer", "tolerance"),
        _validate_numeric,
    ),
    Kind.WRITTEN: KindRules(
        ("expected_answer", "rubric", "recruiter_signal", "max_words"),
        ("expected_answer", "rubric", "recruiter_signal"),
        _validate_written,
    ),
    Kind.CODING: KindRules(("problem",), ("problem",), _validate_coding),
}


def _is_key(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 3 <= len(value) <= 80
        and not set(value) - KEY_PATTERN_CHARS
        and not value.startswith("-")
    )


def _validate_excludes(q: Mapping, key: str, report) -> tuple[str, ...] | None:
    """The declared exclusions, well-formed; whether the ids exist is checked bank-wide."""
    excludes = q.get("excludes", [])
    if not isinstance(excludes, list) or not all(_is_key(item) for item in excludes):
        report(line_of(q, "excludes"), "'excludes' must be a list of question ids")
        return None
    if key in excludes:
        report(line_of(q, "excludes"), "'excludes' names the question itself")
        return None
    repeated = [item for item, n in Counter(excludes).items() if n > 1]
    if repeated:
        report(line_of(q, "excludes"), f"'excludes' lists {repeated[0]!r} twice")
        return None
    return tuple(excludes)


def validate_question(q: Any, topics: Iterable[str], report) -> BankQuestion | None:
    """Check one question mapping; report every problem; return it when valid."""
    if not isinstance(q, Mapping):
        report(line_of(q), "each question must be a mapping")
        return None
    key = q.get("id")
    if not _is_key(key):
        report(line_of(q, "id"), f"'id' must be 3-80 characters of a-z, 0-9 and '-', got {key!r}")
        return None
    prefix = f"question {key!r}: "

    def say(line: int, message: str) -> None:
        report(line, prefix + message)

    kind = q.get("kind")
    if kind not in Kind.values:
        say(line_of(q, "kind"), f"'kind' must be one of {', '.join(Kind.values)}, got {kind!r}")
        return None
    rules = KIND_RULES[kind]
    unknown = set(q) - set(COMMON_FIELDS) - set(rules.fields)
    if unknown:
        say(
            line_of(q, sorted(unknown)[0]),
            f"unknown field(s) for {kind}: {', '.join(sorted(unknown))}",
        )
    missing = [name for name in rules.required if name not in q]
    if missing:
        say(line_of(q), f"missing field(s) for {kind}: {', '.join(missing)}")
        return None
    topics = set(topics)
    topic = q.get("topic")
    if topic not in topics:
        say(line_of(q, "topic"), f"unknown topic {topic!r} (see topics.yaml)")
    level = q.get("level")
    if level not in Level.values:
        say(line_of(q, "level"), f"'level' must be one of {', '.join(Level.values)}, got {level!r}")
    # Hiring unless said otherwise: a question written without thinking of the pool stays
    # private rather than publishing its key.
    pool = q.get("pool", Pool.HIRING)
    if pool not in BANK_POOLS:
        say(line_of(q, "pool"), f"'pool' must be one of {', '.join(BANK_POOLS)}, got {pool!r}")
    excludes = _validate_excludes(q, key, say)
    prompt = _text(q, "prompt", say)
    explanation = _text(q, "explanation", say)
    specific = rules.validate(q, prompt, say)
    if (
        unknown
        or topic not in topics
        or level not in Level.values
        or pool not in BANK_POOLS
        or excludes is None
        or prompt is None
        or explanation is None
        or not specific
    ):
        return None
    content = {"id": key, "kind": kind, "topic": topic, "level": level, "prompt": prompt}
    content.update(specific)
    content["explanation"] = explanation
    return BankQuestion(
        key=key,
        kind=kind,
        topic=topic,
        level=level,
        pool=pool,
        content=content,
        source_file="",
        line=line_of(q),
        excludes=excludes,
        excludes_line=line_of(q, "excludes"),
    )


def plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


__all__ = [
    "CODING_DERIVED_FIELDS",
    "COMMON_FIELDS",
    "KIND_RULES",
    "BankError",
    "BankIssue",
    "BankQuestion",
    "KindRules",
    "Reporter",
    "content_hash",
    "line_of",
    "plain",
    "validate_question",
]
