"""Public practice quizzes: a short quiz by topic and level with immediate feedback."""

import random
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from grader.console import sample_run_console
from grader.routing import ungradable_problems

from .draws import draw_questions
from .errors import ResponseInvalid, UserError
from .models import CHOICE_KINDS, Kind, PracticeRun, Question, QuestionVersion, Topic
from .questions import Scored, correct_answer_text, score_response
from .responses import response_clean

# Choices and numbers are scored on the spot, code by the grader (`practice_code`); a
# written answer is checked by the visitor against the model answer and the rubric (nobody
# reviews practice), so it earns no points.
PRACTICE_KINDS = (*CHOICE_KINDS, Kind.NUMERIC, Kind.WRITTEN, Kind.CODING)
SCORED_KINDS = (*CHOICE_KINDS, Kind.NUMERIC, Kind.CODING)
PRACTICE_LENGTHS = (5, 10, 15)
# A code run's status when this site has no practice grading service: the code never ran.
CODE_UNAVAILABLE = "unavailable"


class PracticeError(UserError):
    """The practice quiz cannot be started or answered as asked."""


@dataclass(frozen=True)
class PracticeItem:
    index: int
    version: QuestionVersion
    seed: int
    answer: dict | None


def practice_start(topic: Topic | None, level: str, length: int, user=None) -> PracticeRun:
    """Draw `length` practice questions (fewer if the bank has fewer, and at most one of
    an exclusion group) into a new run; a signed-in `user` owns it too, so their progress
    adds up across quizzes."""
    if length not in PRACTICE_LENGTHS:
        raise PracticeError(
            f"a practice quiz has {', '.join(map(str, PRACTICE_LENGTHS))} questions"
        )
    pool = Question.objects.practice().filter(kind__in=PRACTICE_KINDS)
    # Only what a live worker can grade: a visitor never gets code that no one will run.
    ungradable = ungradable_problems(practice=True)
    if ungradable:
        pool = pool.exclude(kind=Kind.CODING, latest_version__content__problem__in=list(ungradable))
    if topic is not None:
        pool = pool.filter(topic=topic)
    if level:
        pool = pool.filter(level=level)
    questions = list(pool.only("key", "latest_version_id").order_by("key"))
    if not questions:
        raise PracticeError("no practice questions match this topic and level yet")
    rng = random.SystemRandom()
    # Practice questions are public, so exposure does not matter; giveaways still do.
    chosen = draw_questions(questions, length, rng, rotate_exposed=False)
    items = [{"version": q.latest_version_id, "seed": rng.randrange(2**31)} for q in chosen]
    return PracticeRun.objects.create(
        token=secrets.token_urlsafe(32), topic=topic, level=level, items=items, user=user
    )


def practice_items(run: PracticeRun) -> list[PracticeItem]:
    versions = QuestionVersion.objects.select_related("question__topic").in_bulk(
        [item["version"] for item in run.items]
    )
    return [
        PracticeItem(i, versions[item["version"]], item["seed"], run.answers.get(str(i)))
        for i, item in enumerate(run.items)
    ]


def practice_answer(run: PracticeRun, index: int, response) -> Scored:
    """Record the first answer to question `index`; later answers do not change it."""
    if not 0 <= index < len(run.items):
        raise PracticeError("no such question in this quiz")
    item = run.items[index]
    version = QuestionVersion.objects.get(pk=item["version"])
    if version.kind == Kind.CODING:
        raise ResponseInvalid("code is graded by running it (practice_code_submit)")
    if version.kind == Kind.WRITTEN:
        response = _written_clean(version, response)
    scored = score_response(version, item["seed"], response)  # may raise ResponseInvalid
    with transaction.atomic():
        locked = PracticeRun.objects.select_for_update().get(pk=run.pk)
        if str(index) not in locked.answers:
            locked.answers[str(index)] = {
                "response": response,
                "score": scored.score,
                "correct": scored.correct,
            }
            if len(locked.answers) == len(locked.items):
                locked.finished_at = timezone.now()
            locked.save(update_fields=["answers", "finished_at"])
        run.answers, run.finished_at = locked.answers, locked.finished_at
    return scored


def _written_clean(version: QuestionVersion, response) -> str:
    text = response_clean(version.content, response, source_bytes=0)
    if not text or not text.strip():
        raise ResponseInvalid("write your answer first")
    return text


@dataclass(frozen=True)
class PracticeFeedback:
    """What the visitor reads after answering: a verdict, their own answer and the correct
    one as lists of (bank Markdown) lines, the explanation, and the choices to mark."""

    verdict: str  # "correct", "partial" or "wrong"
    label: str
    your_answer: list[str]
    correct_answer: list[str]
    explanation: str
    picked: frozenset[int]
    correct_indices: frozenset[int]
    rubric: tuple[dict, ...] = ()
    # Code only: the last run's console (grader.console.sample_run_console).
    console: dict | None = None


def practice_feedback(item: PracticeItem) -> PracticeFeedback | None:
    """The feedback on an answered item; None before it is answered."""
    if item.answer is None:
        return None
    content = item.version.content
    score = item.answer["score"] or 0.0
    if content["kind"] == Kind.CODING:
        report = item.answer.get("report") or {}
        verdict = "correct" if item.answer.get("correct") else "wrong"
        label = {
            "queued": "Grading your code…",
            "error": "The grader failed on this run; run it again.",
            CODE_UNAVAILABLE: "Practice code cannot be graded on this site right now, so your "
            "code was not run. Try again later.",
        }.get(item.answer.get("status", ""), "")
        if not label:
            passed = sum(1 for c in report.get("checks", []) if c.get("passed"))
            label = f"{report.get('verdict', '').replace('_', ' ').capitalize()}: " + (
                report.get("message") or f"{passed} checks passed."
            )
        return PracticeFeedback(
            verdict,
            label,
            [item.answer["response"]],
            [],
            content["explanation"],
            frozenset(),
            frozenset(),
            console=sample_run_console(report),
        )
    if content["kind"] == Kind.WRITTEN:
        return PracticeFeedback(
            "self",
            "Self-checked: compare it with the model answer and the rubric.",
            [item.answer["response"]],
            [content["expected_answer"]],
            content["explanation"],
            frozenset(),
            frozenset(),
            tuple(content["rubric"]),
        )
    if item.answer["correct"]:
        verdict, label = "correct", "Correct."
    elif score > 0:
        verdict, label = "partial", f"Partly right ({score:.2f} of 1)."
    else:
        verdict, label = "wrong", "Not quite."
    picked: frozenset[int] = frozenset()
    correct_indices: frozenset[int] = frozenset()
    if "choices" in content:
        choices = content["choices"]
        picked = frozenset(_picked_indices(item.answer["response"], len(choices)))
        correct_indices = frozenset(i for i, c in enumerate(choices) if c["correct"])
        yours = [choices[i]["text"] for i in sorted(picked)]
        correct = [choices[i]["text"] for i in sorted(correct_indices)]
    else:
        yours = [str(item.answer["response"])]
        correct = [correct_answer_text(item.version, item.seed)]
    return PracticeFeedback(
        verdict, label, yours, correct, content["explanation"], picked, correct_indices
    )


def _picked_indices(response, count: int) -> set[int]:
    values = response if isinstance(response, list) else [response]
    indices = {int(v) for v in values if str(v).lstrip("-").isdigit()}
    return {i for i in indices if 0 <= i < count}


def practice_score(items: list[PracticeItem]) -> tuple[float, int]:
    """(points earned, questions that earn points): written answers are self-checked."""
    scored = [it for it in items if it.version.kind in SCORED_KINDS]
    return sum((it.answer or {}).get("score") or 0.0 for it in scored), len(scored)


PROGRESS_RUNS = 50


def practice_progress(user) -> dict:
    """A signed-in visitor's progress over their last PROGRESS_RUNS quizzes: per topic as
    in `practice_topics`, plus how many quizzes and answers that covers."""
    runs = list(PracticeRun.objects.filter(user=user).order_by("-created_at")[:PROGRESS_RUNS])
    items = [it for run in runs for it in practice_items(run) if it.answer is not None]
    return {"quizzes": len(runs), "answered": len(items), "topics": practice_topics(items)}


def practice_topics(items: list[PracticeItem]) -> list[dict]:
    """Per topic, in the bank's topic order: points earned of the questions that earn
    points, and how many questions the quiz had on it."""
    rows: dict[int, dict] = {}
    for it in items:
        topic = it.version.question.topic
        row = rows.setdefault(
            topic.pk,
            {
                "topic": topic.title,
                "position": topic.position,
                "earned": 0.0,
                "possible": 0,
                "questions": 0,
            },
        )
        row["questions"] += 1
        if it.version.kind in SCORED_KINDS:
            row["possible"] += 1
            row["earned"] += (it.answer or {}).get("score") or 0.0
    for row in rows.values():
        row["percent"] = round(100 * row["earned"] / row["possible"]) if row["possible"] else None
    return sorted(rows.values(), key=lambda r: (r["position"], r["topic"]))


__all__ = [
    "PRACTICE_KINDS",
    "PRACTICE_LENGTHS",
    "PracticeError",
    "PracticeFeedback",
    "PracticeItem",
    "ResponseInvalid",
    "practice_answer",
    "practice_feedback",
    "practice_items",
    "practice_progress",
    "practice_score",
    "practice_topics",
    "practice_start",
]
