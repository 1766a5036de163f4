"""Grading a stored submission: claim it, run the engine, write its one final result, and
reset a final one for a re-grade. The Celery task only calls `submission_grade`.

When a grade is final, `grader.signals.submission_finalized` is sent inside the writing
transaction; the grader knows nothing about who listens (assess scores the answer)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from grader.engine.devices import CUDA_DEVICE, FAKE_GPU_DEVICE
from grader.engine.report import INTERNAL_ERROR

from .models import FINAL_STATUSES, Submission, SubmissionStatus
from .signals import submission_finalized

logger = logging.getLogger(__name__)


class GradeRetry(Exception):
    """The engine reported an internal error; the task retries with backoff."""


@dataclass(frozen=True)
class GradeOutcome:
    submission_id: int
    status: str
    verdict: str = ""
    # False when this call found the submission already final (a redelivery, a duplicate).
    wrote: bool = False


def _held_elsewhere(submission: Submission, task_id: str) -> bool:
    """Another run of this row is under way: it is `running` for a different message, its
    worker instance is alive, and it started less than GRADER_REQUEUE_RUNNING_SECONDS ago.
    The same message again means the run it started died (a pool process killed, Celery
    put the message back), so this run takes over."""
    from .capability import live_identities
    from .liveness import holder_is_dead

    if submission.status != SubmissionStatus.RUNNING or not submission.worker:
        return False
    if task_id and submission.task_id == task_id:
        return False
    limit = timedelta(seconds=settings.GRADER_REQUEUE_RUNNING_SECONDS)
    if submission.started_at is not None and timezone.now() - submission.started_at > limit:
        return False
    live = live_identities(broker_url=settings.CELERY_BROKER_URL)
    # Without announcements (no Redis) liveness cannot be told; the time limit decides.
    return not holder_is_dead(submission.worker, live)


def _claim(submission_id: int, *, holder: str = "", task_id: str = "") -> Submission | None:
    """Mark the submission running by `holder` (counting the attempt); None when it is
    final, or when another live worker is running it (a duplicate message: two runs of one
    submission never overlap)."""
    with transaction.atomic():
        try:
            submission = Submission.objects.select_for_update().get(pk=submission_id)
        except Submission.DoesNotExist:
            logger.warning("submission %s does not exist", submission_id)
            return None
        if submission.status in FINAL_STATUSES:
            return None
        if _held_elsewhere(submission, task_id):
            logger.info(
                "submission %s is being graded by %s; this message is a duplicate",
                submission_id,
                submission.worker,
            )
            return None
        submission.status = SubmissionStatus.RUNNING
        submission.attempts += 1
        submission.started_at = timezone.now()
        submission.worker = holder
        if task_id:
            submission.task_id = task_id
        submission.save(update_fields=["status", "attempts", "started_at", "worker", "task_id"])
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

        _device_cache.append(
            CUDA_DEVICE if cuda_available() else FAKE_GPU_DEVICE if fake_gpu() else None
        )
    return _device_cache[0]


_runtimes_cache: list[list[str]] = []


def _sandbox_runtimes() -> list[str]:
    """What this worker's hiring sandbox runs (numpy, torch). Looked up once per process."""
    if not _runtimes_cache:
        from grader.engine.sandbox import NUMPY, sandbox_runtimes

        try:
            _runtimes_cache.append(sandbox_runtimes())
        except Exception:  # the sandbox's own failure is reported when the job runs
            logger.exception("could not ask what this worker's sandbox runs")
            return [NUMPY]
    return _runtimes_cache[0]


def _cannot_run_here(problem: str) -> bool:
    """A message this worker cannot grade (a stale or misrouted one): GPU-only work on a
    worker without a GPU, a torch problem where the sandbox has no torch. It is put back
    to wait for a capable worker instead of failing as an internal error again and again."""
    from grader.engine.problems import GPU_REQUIRED, UnknownProblem, get_problem

    try:
        definition = get_problem(problem)
    except UnknownProblem:
        return False
    if definition.placement == GPU_REQUIRED and _grading_device() is None:
        return True
    if definition.interpreter and _grading_device() is None:
        return "triton" not in _sandbox_runtimes()  # its kernels run in the interpreter
    return definition.runtime not in _sandbox_runtimes()


def submission_grade(
    submission_id: int, *, final_try: bool = True, holder: str = "", task_id: str = ""
) -> GradeOutcome:
    """Grade a stored submission with the engine and write its result once.

    `holder` names the worker instance running it and `task_id` the message (recorded on
    the row, so the sweep can tell a dead run from a live one).
    Idempotent: a submission already graded is left alone. An engine `internal_error`
    raises `GradeRetry` (the submission goes back to `queued`) unless `final_try`, when
    it is written as the final `internal_error` status."""
    from grader.engine import CPU_DEVICE, grade_submission
    from grader.engine.problems import UnknownProblem

    problem = Submission.objects.filter(pk=submission_id).values_list("problem", flat=True).first()
    device = _grading_device()
    if problem is not None and _cannot_run_here(problem):
        Submission.objects.filter(pk=submission_id, status=SubmissionStatus.QUEUED).update(
            status=SubmissionStatus.WAITING_GPU, queue=""
        )
        current = (
            Submission.objects.filter(pk=submission_id).values_list("status", flat=True).first()
        )
        return GradeOutcome(submission_id, current or "missing")
    submission = _claim(submission_id, holder=holder, task_id=task_id)
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
            # The retry is a new delivery of the same message; whoever receives it holds it.
            Submission.objects.filter(pk=submission.pk, status=SubmissionStatus.RUNNING).update(
                status=SubmissionStatus.QUEUED, report=report, worker=""
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
    submission.worker = ""
    submission.save(
        update_fields=[
            "worker",
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
