"""The periodic sweep: queue again what will not finish otherwise (a broker outage, a lost
message, a dead worker, a GPU worker that appeared or vanished), and nothing that will.

A worker killed mid-grade leaves its rows `running` (and the ones it had reserved `queued`)
with its messages unacknowledged in Redis until the visibility timeout, an hour. The rows
name the worker instance holding them, so once its announcement expires (about
GRADER_HEARTBEAT_TTL_SECONDS after the kill, at once when it restarts under the same name)
they are sent again. A `queued` row no worker holds is sent again only when its message is
no longer waiting at the broker: a backlog is left alone, not doubled.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .capability import live_identities
from .liveness import holder_is_dead, waiting_task_ids
from .models import FINAL_STATUSES, Submission, SubmissionStatus
from .routing import live_workers_now, submission_queue, submissions_enqueue

logger = logging.getLogger(__name__)

# A message just taken from the queue list is in no list for a moment before its worker
# records the reservation; a row sent this recently is never judged lost.
MESSAGE_GRACE = timedelta(seconds=20)


def _grading_queues() -> list[str]:
    return list(dict.fromkeys([settings.GRADER_CPU_QUEUE, settings.GRADER_GPU_QUEUE]))


def _orphaned_running(live: set[str] | None, now: datetime, running_for: timedelta) -> set[int]:
    """Running rows whose worker instance is gone, or that run longer than any grade can."""
    ids = set()
    rows = Submission.objects.filter(status=SubmissionStatus.RUNNING).values_list(
        "pk", "worker", "started_at"
    )
    for pk, holder, started_at in rows:
        timed_out = started_at is not None and started_at <= now - running_for
        if timed_out or holder_is_dead(holder, live):
            # Only if nobody took it over meanwhile (a redelivery claimed it).
            if (
                Submission.objects.filter(
                    pk=pk, status=SubmissionStatus.RUNNING, worker=holder
                ).update(status=SubmissionStatus.QUEUED, worker="")
                == 1
            ):
                ids.add(pk)
    return ids


def _lost_queued(live: set[str] | None, now: datetime, queued_for: timedelta) -> set[int]:
    """Queued rows whose message will never be delivered in time."""
    waiting = Submission.objects.filter(status=SubmissionStatus.QUEUED)
    # Stored while the broker was down: never sent.
    ids = set(
        waiting.filter(
            enqueued_at__isnull=True, created_at__lte=now - timedelta(seconds=5)
        ).values_list("pk", flat=True)
    )
    # Reserved by a worker instance that died before starting it.
    for pk, holder in waiting.exclude(worker="").values_list("pk", "worker"):
        if holder_is_dead(holder, live):
            ids.add(pk)
    # Sent, held by nobody, and no longer at the broker (listed first, rows read second,
    # so a message taken meanwhile shows up as reserved, not as lost).
    present = waiting_task_ids(_grading_queues(), broker_url=settings.CELERY_BROKER_URL)
    unheld = waiting.filter(worker="", enqueued_at__isnull=False)
    if present is None:
        # The broker cannot be listed (the embedded filesystem one, or Redis is down):
        # only what has waited longer than GRADER_REQUEUE_QUEUED_SECONDS is sent again.
        ids |= set(unheld.filter(enqueued_at__lte=now - queued_for).values_list("pk", flat=True))
    else:
        for pk, task_id in unheld.filter(enqueued_at__lte=now - MESSAGE_GRACE).values_list(
            "pk", "task_id"
        ):
            if task_id not in present:
                ids.add(pk)
    return ids


def submissions_requeue_stuck(
    *,
    queued_for: timedelta | None = None,
    running_for: timedelta | None = None,
    now: datetime | None = None,
) -> int:
    """Send again what would otherwise never finish; returns how many were sent.

    `running_for` (GRADER_REQUEUE_RUNNING_SECONDS) bounds a run whose worker still
    announces itself (a hung process); `queued_for` (GRADER_REQUEUE_QUEUED_SECONDS) is the
    wait before re-sending when the broker's queue cannot be listed. A duplicate message is
    harmless (the claim refuses a row another live worker runs; the final write happens
    once) but costs a slot, so none is sent for a message that still waits."""
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
    live = live_identities(broker_url=settings.CELERY_BROKER_URL)
    ids = _orphaned_running(live, now, running_for) | _lost_queued(live, now, queued_for)
    waiting = Submission.objects.filter(status=SubmissionStatus.QUEUED)
    waiting_gpu = Submission.objects.filter(status=SubmissionStatus.WAITING_GPU)
    on_gpu_queue = waiting.filter(queue=settings.GRADER_GPU_QUEUE)
    if waiting_gpu.exists() or on_gpu_queue.exists():
        workers = live_workers_now()
        # A capable worker appeared (a GPU, torch): what waited for one is sent to it now.
        ids |= {
            pk
            for pk, problem in waiting_gpu.values_list("pk", "problem")
            if submission_queue(Submission(problem=problem), workers=workers) is not None
        }
        if not any(w.get("kind") == "gpu" for w in workers):
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


def submission_reserved(submission_id: int, holder: str) -> None:
    """A worker instance received the row's message (it runs when a process is free)."""
    Submission.objects.filter(pk=submission_id, status=SubmissionStatus.QUEUED).update(
        worker=holder
    )


def submissions_force_requeue(submission_ids: list[int]) -> int:
    """An admin's "force a re-grade" of unfinished rows, whoever holds them: each is sent
    again as if new (a run still going may finish first; the final write happens once)."""
    ids = list(
        Submission.objects.filter(pk__in=submission_ids)
        .exclude(status__in=FINAL_STATUSES)
        .values_list("pk", flat=True)
    )
    Submission.objects.filter(pk__in=ids).filter(
        Q(status=SubmissionStatus.RUNNING) | Q(status=SubmissionStatus.QUEUED)
    ).update(status=SubmissionStatus.QUEUED, worker="")
    logger.warning("re-grade forced for %d submissions", len(ids))
    return submissions_enqueue(ids)
