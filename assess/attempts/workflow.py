"""The steps after a candidate answers, the writing half of scoring: freeze what each
question is worth as the attempt starts, score what can be scored at once, hand coding
answers to the grader, record the grader's and the reviewers' scores, and, once every answer
has one, store the attempt's result and say so (`signals.attempt_graded`).

The rules themselves (tallies, points, the level) are computed in `assess/scoring.py`, which
writes nothing; this module is the only one that writes an answer's score or an attempt's
result.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from quizzes.errors import ResponseInvalid
from quizzes.models import AUTO_SCORED_KINDS, Kind
from quizzes.questions import score_response

from ..hiring.models import AttemptPoints, SectionQuestion
from ..scoring import attempt_results
from .models import Answer, Attempt, AttemptStatus
from .signals import attempt_graded


def points_freeze(attempt: Attempt) -> None:
    """Record what the assessment's questions are worth as the attempt starts (called by
    attempt_start in its transaction, beside the question versions): picks by section
    position and question, drawn questions by section position."""
    picks = SectionQuestion.objects.filter(section__assessment=attempt.assessment_id)
    AttemptPoints.objects.create(
        attempt=attempt,
        picks={
            f"{position}:{question}": points
            for position, question, points in picks.values_list(
                "section__position", "question_id", "points"
            )
        },
        draws={
            str(position): points
            for position, points in attempt.assessment.sections.values_list(
                "position", "draw_points"
            )
        },
    )


def _set_score(answer: Answer, score: float, correct: bool | None, by: str, now: datetime) -> None:
    answer.score, answer.correct, answer.scored_by, answer.scored_at = score, correct, by, now
    answer.save(update_fields=["score", "correct", "scored_by", "scored_at"])


def answer_score_now(answer: Answer, now: datetime) -> None:
    """Score an unanswered answer 0, a choice or numeric one by its key (0 when it cannot
    be read); used at submission and when an adaptive question is confirmed."""
    if not answer.is_answered:
        _set_score(answer, 0.0, False, "unanswered", now)
        return
    try:
        scored = score_response(answer.question_version, answer.seed, answer.response)
        _set_score(answer, scored.score, scored.correct, "auto", now)
    except ResponseInvalid:
        _set_score(answer, 0.0, False, "auto", now)


def answers_score_on_submit(attempt: Attempt, now: datetime) -> list[int]:
    """Score what can be scored now and store coding answers as submissions; returns the
    submissions' ids. Runs inside the submitting transaction; the grading tasks are queued
    once it commits, so the source is stored before any task exists."""
    from grader.models import Submission
    from grader.routing import submissions_enqueue

    created = []
    for answer in attempt.answers.select_related("question_version").filter(score__isnull=True):
        kind = answer.kind
        if not answer.is_answered or kind in AUTO_SCORED_KINDS:
            answer_score_now(answer, now)
        elif kind == Kind.CODING:
            submission, _ = Submission.objects.get_or_create(
                answer=answer,
                public_only=False,
                defaults={
                    "problem": answer.question_version.content["problem"],
                    "source": answer.response,
                },
            )
            created.append(submission.pk)
        # Written answers wait for a reviewer.
    if created:
        transaction.on_commit(lambda: submissions_enqueue(created))
    return created


def attempt_refresh_result(attempt: Attempt, *, now: datetime | None = None) -> Attempt:
    """Write the total, pass/fail and level estimate once every answer has a score."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("assessment").get(pk=attempt.pk)
        if locked.status != AttemptStatus.SUBMITTED or locked.graded_at is not None:
            return locked
        results = attempt_results(locked)
        if results.complete:
            locked.score_percent = results.total.percent or 0.0
            locked.passed = results.passed
            locked.level_estimate = results.level_estimate
            locked.graded_at = now
            locked.save(update_fields=["score_percent", "passed", "level_estimate", "graded_at"])
            # Listeners (the API's webhooks) live above this package: they subscribe.
            transaction.on_commit(
                lambda: attempt_graded.send(sender=Attempt, attempt=locked), robust=True
            )
    return locked


def answer_record_grade(answer_id: int, score: float | None, verdict: str) -> None:
    """The grader's final result for a coding answer. `score` None (an internal error
    after every retry) leaves the answer for a reviewer, never a pass or a fail."""
    with transaction.atomic():
        answer = Answer.objects.select_for_update().get(pk=answer_id)
        if answer.score is not None or score is None:
            return
        _set_score(answer, float(score), verdict == "accepted", "grader", timezone.now())
    attempt_refresh_result(answer.attempt)


def answer_review(answer: Answer, score: float, reviewer) -> None:
    """A reviewer's score in [0, 1] for a written answer (or a coding answer the grader
    could not grade)."""
    if not 0.0 <= score <= 1.0:
        raise ValueError("a score is between 0 and 1")
    with transaction.atomic():
        locked = Answer.objects.select_for_update().get(pk=answer.pk)
        _set_score(locked, score, None, f"reviewer:{reviewer.pk}", timezone.now())
    attempt_refresh_result(locked.attempt)


def on_submission_finalized(sender, *, submission, score, verdict, **kwargs) -> None:
    """Receiver of `grader.signals.submission_finalized`: the attempt's score follows the
    grade, in the grader's writing transaction."""
    answer_record_grade(submission.answer_id, score, verdict)
