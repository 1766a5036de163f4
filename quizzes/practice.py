"""Public practice quizzes: a short quiz by topic and level with immediate feedback."""

import random
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import CHOICE_KINDS, Kind, PracticeRun, Question, QuestionVersion, Topic
from .questions import ResponseError, Scored, correct_answer_text, score_response

# Only kinds scored on the spot: written answers need a reviewer, code needs the grader.
PRACTICE_KINDS = (*CHOICE_KINDS, Kind.NUMERIC)
PRACTICE_LENGTHS = (5, 10, 15)


class PracticeError(Exception):
    """The practice quiz cannot be started or answered as asked."""


@dataclass(frozen=True)
class PracticeItem:
    index: int
    version: QuestionVersion
    seed: int
    answer: dict | None


def practice_start(topic: Topic | None, level: str, length: int) -> PracticeRun:
    """Draw `length` practice questions (fewer if the bank has fewer) into a new run."""
    if length not in PRACTICE_LENGTHS:
        raise PracticeError(
            f"a practice quiz has {', '.join(map(str, PRACTICE_LENGTHS))} questions"
        )
    pool = Question.objects.filter(
        is_active=True, in_practice=True, kind__in=PRACTICE_KINDS, latest_version__isnull=False
    )
    if topic is not None:
        pool = pool.filter(topic=topic)
    if level:
        pool = pool.filter(level=level)
    version_ids = list(pool.values_list("latest_version_id", flat=True))
    if not version_ids:
        raise PracticeError("no practice questions match this topic and level yet")
    rng = random.SystemRandom()
    chosen = rng.sample(version_ids, min(length, len(version_ids)))
    items = [{"version": vid, "seed": rng.randrange(2**31)} for vid in chosen]
    return PracticeRun.objects.create(
        token=secrets.token_urlsafe(32), topic=topic, level=level, items=items
    )


def practice_items(run: PracticeRun) -> list[PracticeItem]:
    versions = QuestionVersion.objects.in_bulk([item["version"] for item in run.items])
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
    scored = score_response(version, item["seed"], response)  # may raise ResponseError
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


def practice_feedback(item: PracticeItem) -> PracticeFeedback | None:
    """The feedback on an answered item; None before it is answered."""
    if item.answer is None:
        return None
    content = item.version.content
    score = item.answer["score"] or 0.0
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


def practice_score(run: PracticeRun) -> tuple[float, int]:
    """(points earned, questions) over the answered questions."""
    earned = sum(a["score"] or 0.0 for a in run.answers.values())
    return earned, len(run.items)


__all__ = [
    "PRACTICE_KINDS",
    "PRACTICE_LENGTHS",
    "PracticeError",
    "PracticeFeedback",
    "PracticeItem",
    "ResponseError",
    "practice_answer",
    "practice_feedback",
    "practice_items",
    "practice_score",
    "practice_start",
]
