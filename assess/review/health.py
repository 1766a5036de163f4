"""The grading system's health, for the review dashboard: queue lengths at the broker,
workers alive (CPU and GPU) and submissions waiting.

Every probe answers within about a second and reports "unknown" rather than failing the
page: the panel exists for the moment something is down.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Min

from grader import capability
from grader.models import Submission, SubmissionStatus
from grader.routing import announcements

logger = logging.getLogger(__name__)


@dataclass
class Health:
    queues: dict[str, int | None] = field(default_factory=dict)  # None: could not ask the broker
    workers: list[dict] | None = None  # None: could not ask the workers
    gpu_alive: bool | None = None
    waiting: dict[str, int] = field(default_factory=dict)  # submissions by status, in words
    oldest_waiting: object = None
    errors: list[str] = field(default_factory=list)


def queue_names() -> list[str]:
    return list(dict.fromkeys([settings.GRADER_CPU_QUEUE, settings.GRADER_GPU_QUEUE]))


def queues_waiting() -> dict[str, int | None]:
    """Messages waiting per grading queue (the grader's count); None where the broker did
    not answer."""
    names = queue_names()
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in")
    try:
        return capability.queue_lengths(
            names, broker_url=settings.CELERY_BROKER_URL, broker_folder=folder
        )
    except Exception:
        logger.warning("health: the broker did not answer", exc_info=True)
        return dict.fromkeys(names)


def workers_alive() -> tuple[list[dict] | None, bool | None]:
    """(workers, gpu alive) from the workers' announcements; (None, None) when they could
    not be read."""
    try:
        workers = capability.live_workers(**announcements())
    except Exception:
        logger.warning("health: could not read the workers' announcements", exc_info=True)
        return None, None
    return workers, any(w.get("kind") == "gpu" for w in workers)


def grading_health(organization=None) -> Health:
    """Queues and workers are shared by every organization; the submissions counted are
    the organization's own."""
    health = Health(queues=queues_waiting())
    health.workers, health.gpu_alive = workers_alive()
    # `waiting_gpu`: stored, no GPU worker alive to grade it yet.
    statuses = [SubmissionStatus.QUEUED, SubmissionStatus.RUNNING, SubmissionStatus.WAITING_GPU]
    pending = Submission.objects.filter(status__in=statuses, public_only=False)
    if organization is not None:
        pending = pending.filter(answer__attempt__organization=organization)
    counts = dict(pending.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    health.waiting = {status.label: counts.get(status, 0) for status in statuses}
    health.oldest_waiting = pending.aggregate(oldest=Min("created_at"))["oldest"]
    if any(v is None for v in health.queues.values()):
        health.errors.append("The broker did not answer: queue lengths are unknown.")
    if health.workers is None:
        health.errors.append("The workers could not be asked: whether any is alive is unknown.")
    elif not health.workers:
        health.errors.append("No grading worker answered: coding answers wait until one starts.")
    return health
