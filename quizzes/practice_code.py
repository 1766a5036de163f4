"""Coding problems in practice mode: the visitor's code graded in the sandbox, on the
problem's public cases only (a practice visitor may be a future candidate: the hidden
cases, and what they would reveal, stay for hiring tests), with the verdict, the check
rows, the diagnosis and the console shown. Rate-limited per visitor and over all visitors
together, so anonymous practice cannot starve the graders hiring tests depend on."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from grader.routing import ungradable_problems

from .models import Kind, PracticeRun, QuestionVersion
from .practice import CODE_UNAVAILABLE, PracticeError
from .responses import response_clean

logger = logging.getLogger(__name__)


class PracticeRateLimited(PracticeError):
    """Too many practice code runs in this minute; `retry_after` is in seconds."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, retry_after=retry_after)


def _take(key: str, limit: int, now: float) -> int | None:
    """Count one use in the current minute's window; the seconds to wait when over."""
    window = int(now // 60)
    slot = f"{key}:{window}"
    cache.add(slot, 0, timeout=120)
    try:
        used = cache.incr(slot)
    except ValueError:  # evicted between add and incr: count this one as the first
        cache.set(slot, 1, timeout=120)
        used = 1
    if used > limit:
        return max(1, int((window + 1) * 60 - now) + 1)
    return None


def practice_code_submit(
    run: PracticeRun, index: int, source: str, visitor: str, *, now: float | None = None
) -> int:
    """Queue the visitor's code for question `index`; returns the run number. Raises
    `PracticeError` for a bad question or empty code, `ResponseInvalid` for code the
    grader would refuse (too large), `PracticeRateLimited` when over a limit."""
    from grader.engine.config import load_config

    now = time.time() if now is None else now
    if not 0 <= index < len(run.items):
        raise PracticeError("no such question in this quiz")
    version = QuestionVersion.objects.get(pk=run.items[index]["version"])
    if version.kind != Kind.CODING:
        raise PracticeError("only coding questions take code")
    # A quiz drawn before the workers changed: say why rather than fail every run.
    why = ungradable_problems(practice=True).get(version.content["problem"])
    if why:
        raise PracticeError(f"this problem cannot be graded on this site right now: {why}")
    source = response_clean(version.content, source, source_bytes=load_config().source_bytes)
    if not source or not source.strip():
        raise PracticeError("write some code first")
    per_visitor = settings.PRACTICE_CODE_RUNS_PER_MINUTE
    wait = _take(f"practice-code:visitor:{visitor}", per_visitor, now)
    if wait:
        raise PracticeRateLimited(
            f"You can run practice code {per_visitor} times a minute; try again in {wait} s.",
            wait,
        )
    wait = _take("practice-code:everyone", settings.PRACTICE_CODE_RUNS_PER_MINUTE_TOTAL, now)
    if wait:
        raise PracticeRateLimited(
            f"Practice grading is busy right now; try again in {wait} s.", wait
        )
    with transaction.atomic():
        locked = PracticeRun.objects.select_for_update().get(pk=run.pk)
        previous = locked.answers.get(str(index)) or {}
        number = int(previous.get("run", 0)) + 1
        locked.answers[str(index)] = {
            "response": source,
            "status": "queued",
            "score": previous.get("score"),
            "correct": previous.get("correct"),
            "run": number,
        }
        locked.save(update_fields=["answers"])
        run.answers = locked.answers

        def send() -> None:
            practice_grade_task.apply_async(
                args=[run.pk, index, number], queue=settings.PRACTICE_CODE_QUEUE
            )

        transaction.on_commit(send)
    return number


def practice_code_grade(run_id: int, index: int, number: int) -> str:
    """Grade run `number` of question `index` (skipped when a newer run was queued);
    returns the verdict written, or "" when skipped. Runs in the practice grading service,
    never the hiring tests' one; without it the run is marked `CODE_UNAVAILABLE`, not run."""
    from grader.engine import INTERNAL_ERROR, grade_submission
    from grader.engine.sandbox import PRACTICE, NoPracticeService

    run = PracticeRun.objects.get(pk=run_id)
    entry = run.answers.get(str(index)) or {}
    if entry.get("run") != number:
        return ""
    version = QuestionVersion.objects.get(pk=run.items[index]["version"])
    try:
        report = grade_submission(
            version.content["problem"], entry["response"], public_only=True, purpose=PRACTICE
        )
    except NoPracticeService as refused:
        logger.error("practice code not run: %s", refused)
        result = None
    else:
        result = report.to_candidate_dict()
    with transaction.atomic():
        locked = PracticeRun.objects.select_for_update().get(pk=run_id)
        entry = locked.answers.get(str(index)) or {}
        if entry.get("run") != number:
            return ""
        verdict = result["verdict"] if result else INTERNAL_ERROR
        graded = verdict != INTERNAL_ERROR
        entry.update(
            status="graded" if graded else ("error" if result else CODE_UNAVAILABLE),
            report=result,
            score=result["score"] if graded else entry.get("score"),
            correct=verdict == "accepted" if graded else entry.get("correct"),
        )
        locked.answers[str(index)] = entry
        if len(locked.answers) == len(locked.items) and locked.finished_at is None:
            locked.finished_at = timezone.now()
        locked.save(update_fields=["answers", "finished_at"])
    return verdict


# The Celery side: a thin task over the function above.
@shared_task(name="quizzes.practice_grade", ignore_result=True, acks_late=True)
def practice_grade_task(run_id: int, index: int, number: int) -> str:
    return practice_code_grade(run_id, index, number)
