"""The reviewers' actions: scoring written answers against their rubric and re-grading
coding answers (the reads are in `selectors`, the export in `export`).

Scores are written by `assess.attempts.workflow` only; this module never scores a response
itself.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone

from assess.attempts.models import Answer, Attempt, AttemptStatus
from assess.attempts.workflow import answer_review
from assess.tokens import token_digest
from grader.models import FINAL_STATUSES, Submission
from quizzes.errors import UserError
from quizzes.models import Kind

from .models import Regrade, ReportShare, RubricReview


class ReviewError(UserError):
    """A reviewer's request that cannot be honoured, in words for them."""


# --- Listing --------------------------------------------------------------------------------


# --- The report in plain words --------------------------------------------------------------


# --- Written answers: the rubric ------------------------------------------------------------


def rubric_score(
    answer: Answer, items: list[int], reviewer, *, note: str = "", seconds: int | None = None
) -> RubricReview:
    """Score a written answer by the rubric items it meets: points met / points possible.
    Recorded with the reviewer and the time; a later review replaces the answer's score
    (and the attempt's result) and keeps the earlier one in the history."""
    content = answer.question_version.content
    if content["kind"] != Kind.WRITTEN:
        raise ReviewError("Only written answers are scored with a rubric.")
    rubric = content["rubric"]
    chosen = sorted(set(items))
    if any(not 0 <= i < len(rubric) for i in chosen):
        raise ReviewError("Unknown rubric item.")
    points = float(sum(rubric[i]["points"] for i in chosen))
    possible = float(sum(item["points"] for item in rubric))
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=answer.attempt_id)
        if attempt.status != AttemptStatus.SUBMITTED:
            raise ReviewError("The candidate has not submitted this test yet.")
        _reopen_result(attempt)
        review = RubricReview.objects.create(
            answer=answer,
            reviewer=reviewer,
            items=chosen,
            points=points,
            possible=possible,
            score=points / possible,
            note=note[:2000],
            seconds=seconds,
        )
        answer_review(answer, review.score, reviewer)
    return review


def _reopen_result(attempt: Attempt) -> None:
    """Forget the attempt's final result so `attempt_refresh_result` writes it again."""
    if attempt.graded_at is not None:
        attempt.score_percent = attempt.passed = attempt.graded_at = None
        attempt.level_estimate = ""
        attempt.save(update_fields=["score_percent", "passed", "level_estimate", "graded_at"])


# --- Coding answers: re-grade ---------------------------------------------------------------


def submission_regrade(submission: Submission, user) -> Regrade:
    """Grade a final submission again (a grader fix, an internal error that persisted).

    The submission row is reused, never duplicated (the database keeps one final
    submission per answer): its previous result is copied into a `Regrade`, then it goes
    back to `queued` (`grader.grading.submission_reset_for_regrade`) and the answer's score
    is cleared, so the grader's one-time final write (over queued/running rows only) and
    `answer_record_grade` (which only fills an empty score) apply again unchanged.
    Refused while a grade is still queued or running: two runs never race."""
    from grader.grading import submission_reset_for_regrade
    from grader.routing import submissions_enqueue

    with transaction.atomic():
        locked = (
            Submission.objects.select_for_update().select_related("answer").get(pk=submission.pk)
        )
        if locked.public_only:
            raise ReviewError(
                "Sample runs are not graded; only the final submission can be re-graded."
            )
        if locked.status not in FINAL_STATUSES:
            raise ReviewError("This submission is still being graded; wait for its result.")
        attempt = Attempt.objects.select_for_update().get(pk=locked.answer.attempt_id)
        regrade = Regrade.objects.create(
            submission=locked,
            requested_by=user,
            previous_status=locked.status,
            previous_verdict=locked.verdict,
            previous_score=locked.score,
            previous_report=locked.report,
        )
        submission_reset_for_regrade(locked)
        Answer.objects.filter(pk=locked.answer_id).update(
            score=None, correct=None, scored_at=None, scored_by=""
        )
        _reopen_result(attempt)
        transaction.on_commit(lambda: submissions_enqueue([locked.pk]))
    return regrade


# --- Distribution and export ----------------------------------------------------------------


# --- Share links to a report -----------------------------------------------------------------

SHARE_MAX_DAYS = 30


class ShareClosed(ReviewError):
    """The share link expired or was revoked."""

    status = 410


def report_share_create(attempt: Attempt, user, *, days: int = 7) -> tuple[ReportShare, str]:
    """A read-only link to the attempt's report, valid `days` days; the token is returned
    once and only its hash is stored."""
    if not 1 <= days <= SHARE_MAX_DAYS:
        raise ReviewError(f"A share link lasts 1 to {SHARE_MAX_DAYS} days.")
    token = secrets.token_urlsafe(32)
    share = ReportShare.objects.create(
        attempt=attempt,
        token_hash=token_digest(token),
        expires_at=timezone.now() + timedelta(days=days),
        created_by=user,
    )
    return share, token


def report_share_open(token: str) -> Attempt:
    """The attempt a share link opens; `ReportShare.DoesNotExist` for an unknown token,
    `ShareClosed` for an expired or revoked one."""
    if not token or len(token) > 100:
        raise ReportShare.DoesNotExist
    share = ReportShare.objects.select_related(
        "attempt__invitation", "attempt__assessment", "attempt__organization"
    ).get(token_hash=token_digest(token))
    if share.revoked_at is not None:
        raise ShareClosed("This link to the report was withdrawn by the hiring team.")
    if share.expires_at <= timezone.now():
        raise ShareClosed("This link to the report has expired; ask the hiring team for a new one.")
    return share.attempt


def report_share_revoke(share: ReportShare) -> None:
    share.revoked_at = timezone.now()
    share.save(update_fields=["revoked_at"])


# --- How long a review took ------------------------------------------------------------------

# A review open longer than this was left aside, not read for that long: not counted.
REVIEW_SECONDS_MAX = 3 * 3600


def review_clock_start() -> str:
    """A signed timestamp for the rubric form: when the reviewer opened the answer."""
    return signing.dumps(time.time(), salt="review-clock")


def review_seconds(clock: str) -> int | None:
    """Seconds since `review_clock_start`; None for a missing, forged or stale clock."""
    try:
        opened = float(signing.loads(clock, salt="review-clock", max_age=REVIEW_SECONDS_MAX))
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return max(0, round(time.time() - opened))
