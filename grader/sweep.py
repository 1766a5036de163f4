"""The periodic sweep: queue again what waited too long (a broker outage, a lost message,
a dead worker, a GPU worker that appeared or vanished)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import Submission, SubmissionStatus
from .routing import gpu_alive_now, submissions_enqueue

logger = logging.getLogger(__name__)


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
        if gpu_alive_now():
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
