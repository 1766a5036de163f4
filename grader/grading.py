"""Grading a stored submission: claim it, run the engine, write its one final result, and
reset a final one for a re-grade. The Celery task only calls `submission_grade`.

When a grade is final, `grader.signals.submission_finalized` is sent inside the writing
transaction; the grader knows nothing about who listens (assess scores the answer)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import FINAL_STATUSES, Submission, SubmissionStatus
from .routing import problem_placement
from .signals import submission_finalized

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "internal_error"


class GradeRetry(Exception):
    """The engine reported an internal error; the task retries with backoff."""


@dataclass(frozen=True)
class GradeOutcome:
    submission_id: int
    status: str
    verdict: str = ""
    # False when this call found the submission already final (a redelivery, a duplicate).
    wrote: bool = False


def _claim(submission_id: int) -> Submission | None:
    """Mark the submission running (counting the attempt); None when it is already final."""
    with transaction.atomic():
        try:
            submission = Submission.objects.select_for_update().get(pk=submission_id)
        except Submission.DoesNotExist:
            logger.warning("submission %s does not exist", submission_id)
            return None
        if submission.status in FINAL_STATUSES:
            return None
        submission.status = SubmissionStatus.RUNNING
        submission.attempts += 1
        submission.started_at = timezone.now()
        submission.save(update_fields=["status", "attempts", "started_at"])
        return submission


def _finish(submission: Submission, status: str, report: dict) -> bool:
    """Write the one final result; False when another run already wrote it."""
    with transaction.atomic():
        written = Submission.objects.filter(
            pk=submission.pk, status__in=(SubmissionStatus.QUEUED, SubmissionStatus.RUNNING)
        ).update(
            status=status,
            report=report,
            verdict=report.get("verdict", ""),
            score=report.get("score"),
            finished_at=timezone.now(),
        )
        if written and not submission.public_only:
            score = report.get("score") if status == SubmissionStatus.GRADED else None
            # Sent in the same transaction as the final status: a worker killed between the
            # two would otherwise leave a final grade whose answer is never scored.
            submission_finalized.send(
                sender=Submission,
                submission=submission,
                score=score,
                verdict=report.get("verdict", ""),
            )
    return bool(written)


_device_cache: list[str | None] = []


def _grading_device() -> str | None:
    """What this worker grades GPU problems on: 'cuda', 'fake-gpu' (GRADER_FAKE_GPU: CPU
    tensors, for tests), or None without a GPU. Looked up once per process."""
    if not _device_cache:
        from .capability import cuda_available, fake_gpu

        _device_cache.append("cuda" if cuda_available() else "fake-gpu" if fake_gpu() else None)
    return _device_cache[0]


def submission_grade(submission_id: int, *, final_try: bool = True) -> GradeOutcome:
    """Grade a stored submission with the engine and write its result once.

    Idempotent: a submission already graded is left alone. An engine `internal_error`
    raises `GradeRetry` (the submission goes back to `queued`) unless `final_try`, when
    it is written as the final `internal_error` status."""
    from grader.engine import CPU_DEVICE, grade_submission
    from grader.engine.problems import GPU_REQUIRED, UnknownProblem

    problem = Submission.objects.filter(pk=submission_id).values_list("problem", flat=True).first()
    device = _grading_device()
    if problem is not None and problem_placement(problem) == GPU_REQUIRED and device is None:
        # A CPU worker got GPU-only work (a misrouted or stale message): put it back to wait.
        Submission.objects.filter(pk=submission_id, status=SubmissionStatus.QUEUED).update(
            status=SubmissionStatus.WAITING_GPU, queue=""
        )
        current = (
            Submission.objects.filter(pk=submission_id).values_list("status", flat=True).first()
        )
        return GradeOutcome(submission_id, current or "missing")
    submission = _claim(submission_id)
    if submission is None:
        current = (
            Submission.objects.filter(pk=submission_id).values_list("status", flat=True).first()
        )
        return GradeOutcome(submission_id, current or "missing")
    try:
        report = grade_submission(
            submission.problem,
            submission.source,
            public_only=submission.public_only,
            device=device or CPU_DEVICE,
        ).to_dict()
    except UnknownProblem:
        report = {
            "problem": submission.problem,
            "verdict": INTERNAL_ERROR,
            "score": None,
            "message": f"unknown problem {submission.problem!r}",
            "checks": [],
        }
        final_try = True
    if report["verdict"] == INTERNAL_ERROR:
        if not final_try:
            Submission.objects.filter(pk=submission.pk, status=SubmissionStatus.RUNNING).update(
                status=SubmissionStatus.QUEUED, report=report
            )
            raise GradeRetry(
                f"internal error grading submission {submission.pk}: {report.get('message', '')}"
            )
        wrote = _finish(submission, SubmissionStatus.INTERNAL_ERROR, report)
        return GradeOutcome(submission.pk, SubmissionStatus.INTERNAL_ERROR, INTERNAL_ERROR, wrote)
    wrote = _finish(submission, SubmissionStatus.GRADED, report)
    return GradeOutcome(submission.pk, SubmissionStatus.GRADED, report["verdict"], wrote)


def submission_reset_for_regrade(submission: Submission) -> None:
    """Put a final submission back to `queued` with no result, so the one-time final write
    (`_finish`, which only writes over queued/running rows) applies again. The caller holds
    the row lock and keeps the previous result if it wants it."""
    submission.status = SubmissionStatus.QUEUED
    submission.report, submission.verdict, submission.score = None, "", None
    submission.started_at = submission.finished_at = submission.enqueued_at = None
    submission.attempts = 0
    submission.save(
        update_fields=[
            "status",
            "report",
            "verdict",
            "score",
            "started_at",
            "finished_at",
            "enqueued_at",
            "attempts",
        ]
    )
