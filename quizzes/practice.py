"""Public practice quizzes: a short quiz by topic and level with immediate feedback."""

import random
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .draws import draw_questions
from .models import CHOICE_KINDS, Kind, PracticeRun, Question, QuestionVersion, Topic
from .questions import ResponseError, Scored, score_response

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
    """Draw `length` practice questions (fewer if the bank has fewer, and at most one of
    an exclusion group) into a new run."""
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
    questions = list(pool.only("key", "latest_version_id").order_by("key"))
    if not questions:
        raise PracticeError("no practice questions match this topic and level yet")
    rng = random.SystemRandom()
    # Practice questions are public, so exposure does not matter; giveaways still do.
    chosen = draw_questions(questions, length, rng, rotate_exposed=False)
    items = [{"version": q.latest_version_id, "seed": rng.randrange(2**31)} for q in chosen]
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


def practice_score(run: PracticeRun) -> tuple[float, int]:
    """(points earned, questions) over the answered questions."""
    earned = sum(a["score"] or 0.0 for a in run.answers.values())
    return earned, len(run.items)


__all__ = [
    "PRACTICE_KINDS",
    "PRACTICE_LENGTHS",
    "PracticeError",
    "PracticeItem",
    "ResponseError",
    "practice_answer",
    "practice_items",
    "practice_score",
    "practice_start",
]
