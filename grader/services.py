"""Grading a stored submission, queueing it, and re-queueing what got stuck.

The Celery task only calls `submission_grade`; everything that decides what happens to a
submission is here, so it can be tested without a worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import FINAL_STATUSES, Submission, SubmissionStatus

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


def _gpu_alive() -> bool:
    """A GPU worker's announcement is live; a Redis failure counts as "no"."""
    from grader.capability import gpu_alive

    try:
        return gpu_alive(broker_url=settings.CELERY_BROKER_URL)
    except Exception:
        logger.exception("could not read the GPU workers' announcements")
        return False


def _placement(problem_slug: str) -> str:
    from grader.engine.problems import CPU, UnknownProblem, get_problem

    try:
        return get_problem(problem_slug).placement
    except UnknownProblem:
        return CPU  # graded (as an internal error) wherever it lands


def submission_queue(submission: Submission, *, gpu_is_alive: bool | None = None) -> str | None:
    """The Celery queue for a submission, or None when it must wait for a GPU worker.

    `cpu` problems go to the CPU queue; `gpu-preferred` ones to the GPU queue while a GPU
    worker is alive, else to the CPU queue (graded for correctness only); `gpu-required`
    ones to the GPU queue, or nowhere while no GPU worker is alive."""
    from grader.engine.problems import CPU, GPU_PREFERRED

    placement = _placement(submission.problem)
    if placement == CPU:
        return settings.GRADER_CPU_QUEUE
    alive = _gpu_alive() if gpu_is_alive is None else gpu_is_alive
    if alive:
        return settings.GRADER_GPU_QUEUE
    return settings.GRADER_CPU_QUEUE if placement == GPU_PREFERRED else None


def submissions_enqueue(submission_ids: list[int]) -> int:
    """Queue a grading task per submission; returns how many reached the broker.

    A gpu-required submission with no GPU worker alive is marked `waiting_gpu` instead
    (the sweep queues it once one announces itself). A broker outage is logged and
    swallowed: the rows stay `queued` and the periodic sweep (`submissions_requeue_stuck`)
    queues them again."""
    from .tasks import grade_submission_task

    sent = 0
    alive: bool | None = None
    for submission in Submission.objects.filter(pk__in=submission_ids):
        if _placement(submission.problem) != "cpu" and alive is None:
            alive = _gpu_alive()  # one look at Redis per batch
        queue = submission_queue(submission, gpu_is_alive=alive)
        if queue is None:
            Submission.objects.filter(pk=submission.pk, status=SubmissionStatus.QUEUED).update(
                status=SubmissionStatus.WAITING_GPU, queue=""
            )
            continue
        try:
            grade_submission_task.apply_async(
                args=[submission.pk],
                queue=queue,
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
            )
        except Exception:  # any broker failure: the sweep will try again
            logger.exception("could not queue submission %s; the sweep will retry", submission.pk)
            continue
        Submission.objects.filter(pk=submission.pk, status=SubmissionStatus.WAITING_GPU).update(
            status=SubmissionStatus.QUEUED
        )
        Submission.objects.filter(pk=submission.pk).update(enqueued_at=timezone.now(), queue=queue)
        sent += 1
    return sent


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
            from assess.scoring import answer_record_grade  # the attempt's score follows the grade

            score = report.get("score") if status == SubmissionStatus.GRADED else None
            # In the same transaction as the final status: a worker killed between the two
            # would otherwise leave a final grade whose answer is never scored.
            answer_record_grade(submission.answer_id, score, report.get("verdict", ""))
    return bool(written)


_device_cache: list[str | None] = []


def _grading_device() -> str | None:
    """What this worker grades GPU problems on: 'cuda', 'fake-gpu' (GRADER_FAKE_GPU: CPU
    tensors, for tests), or None without a GPU. Looked up once per process."""
    if not _device_cache:
        from grader.capability import cuda_available, fake_gpu

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
    if problem is not None and _placement(problem) == GPU_REQUIRED and device is None:
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


def submissions_requeue_stuck(
    *,
    queued_for: timedelta | None = None,
    running_for: timedelta | None = None,
    now: datetime | None = None,
) -> int:
    """Queue again what waits too long: `queued` rows never sent or sent long ago (a broker
    outage, a lost message) and `running` rows whose worker died. Grading is idempotent
    and the final write happens once, so a duplicate message costs time, never a grade."""
    now = now or timezone.now()
    queued_for = (
        queued_for
        if queued_for is not None
        else timedelta(seconds=settings.GRADER_REQUEUE_QUEUED_SECONDS)
    )
    running_for = (
        running_for
        if running_for is not None
        else timedelta(seconds=settings.GRADER_REQUEUE_RUNNING_SECONDS)
    )
    stale_running = Submission.objects.filter(
        status=SubmissionStatus.RUNNING, started_at__lte=now - running_for
    )
    ids = set(stale_running.values_list("pk", flat=True))
    stale_running.filter(pk__in=ids).update(status=SubmissionStatus.QUEUED)
    waiting = Submission.objects.filter(status=SubmissionStatus.QUEUED)
    ids |= set(
        waiting.filter(
            enqueued_at__isnull=True, created_at__lte=now - timedelta(seconds=5)
        ).values_list("pk", flat=True)
    )
    ids |= set(waiting.filter(enqueued_at__lte=now - queued_for).values_list("pk", flat=True))
    waiting_gpu = Submission.objects.filter(status=SubmissionStatus.WAITING_GPU)
    on_gpu_queue = waiting.filter(queue=settings.GRADER_GPU_QUEUE)
    if waiting_gpu.exists() or on_gpu_queue.exists():
        if _gpu_alive():
            # A GPU worker appeared: what waited for one is sent to it now.
            ids |= set(waiting_gpu.values_list("pk", flat=True))
        else:
            # Sent to the GPU queue, but its worker died: after a grace period the work is
            # routed again (gpu-preferred to the CPU, gpu-required to waiting). A message
            # left in the GPU queue is harmless: grading is idempotent.
            grace = timedelta(seconds=settings.GRADER_GPU_GRACE_SECONDS)
            ids |= set(
                on_gpu_queue.filter(enqueued_at__lte=now - grace).values_list("pk", flat=True)
            )
    if ids:
        logger.warning("re-queueing %d stuck submissions", len(ids))
    return submissions_enqueue(sorted(ids))
