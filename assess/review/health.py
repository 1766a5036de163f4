"""The grading system's health, for the review dashboard: which services answer, queue
lengths at the broker, workers alive (CPU and GPU), submissions waiting and stuck.

Every probe answers within about a second and reports "unknown" rather than failing the
page: the panel exists for the moment something is down.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min
from django.utils import timezone

from grader import capability
from grader.models import Submission, SubmissionStatus
from grader.routing import announcements, ungradable_problems

logger = logging.getLogger(__name__)


@dataclass
class Health:
    queues: dict[str, int | None] = field(default_factory=dict)  # None: could not ask the broker
    workers: list[dict] | None = None  # None: could not ask the workers
    gpu_alive: bool | None = None
    waiting: dict[str, int] = field(default_factory=dict)  # submissions by status, in words
    oldest_waiting: object = None
    # (what, how many, since when the oldest waits) for rows that will not finish soon.
    stuck: list[tuple[str, int, object]] = field(default_factory=list)
    services: dict[str, bool] = field(default_factory=dict)  # name -> answers
    errors: list[str] = field(default_factory=list)


# A grade takes seconds; a row not final after this long is shown as stuck.
STUCK_AFTER = timedelta(minutes=5)


def cache_answers() -> bool:
    """The cache (Redis in production) stores and returns a value."""
    try:
        cache.set("normassess:health-probe", 1, 10)
        return cache.get("normassess:health-probe") == 1
    except Exception:
        logger.warning("health: the cache did not answer", exc_info=True)
        return False


def stuck_submissions(pending) -> list[tuple[str, int, object]]:
    """Rows the sweep is about to hand on (their worker is gone) and rows waiting longer
    than any grade takes, with the age of the oldest of each."""
    from grader.liveness import holder_is_dead

    live = capability.live_identities(broker_url=settings.CELERY_BROKER_URL)
    now = timezone.now()
    held = pending.exclude(worker="").values_list("worker", "created_at")
    orphaned = [created for holder, created in held if holder_is_dead(holder, live)]
    rows = []
    if orphaned:
        rows.append(("held by a worker that died", len(orphaned), min(orphaned)))
    for label, status in (
        ("queued for more than 5 minutes", SubmissionStatus.QUEUED),
        ("running for more than 5 minutes", SubmissionStatus.RUNNING),
        ("waiting for a capable worker for more than 5 minutes", SubmissionStatus.WAITING_GPU),
    ):
        old = pending.filter(status=status, created_at__lte=now - STUCK_AFTER)
        figures = old.aggregate(n=Count("pk"), oldest=Min("created_at"))
        if figures["n"]:
            rows.append((label, figures["n"], figures["oldest"]))
    return rows


def capable_worker_missing(pending, workers: list[dict]) -> list[str]:
    """One line per problem whose answers wait because no live worker can grade it, with
    why (`grader.routing.ungradable_problems`, the rule the builder and practice follow)."""
    waiting = dict(
        pending.filter(status=SubmissionStatus.WAITING_GPU)
        .values_list("problem")
        .annotate(n=Count("pk"))
        .values_list("problem", "n")
    )
    if not waiting:
        return []
    gaps = ungradable_problems(workers=workers)
    return [
        f"{n} answer{'s' if n != 1 else ''} to {problem} wait{'' if n != 1 else 's'} "
        "for a capable worker: "
        f"{gaps.get(problem, 'one is starting')}. They are graded once one runs."
        for problem, n in sorted(waiting.items())
    ]


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
    health.services = {
        "broker": health.workers is not None and None not in health.queues.values(),
        "cache": cache_answers(),
    }
    # `waiting_gpu`: stored, no live worker can grade it yet (no GPU, no torch).
    statuses = [SubmissionStatus.QUEUED, SubmissionStatus.RUNNING, SubmissionStatus.WAITING_GPU]
    pending = Submission.objects.filter(status__in=statuses, public_only=False)
    if organization is not None:
        pending = pending.filter(answer__attempt__organization=organization)
    counts = dict(pending.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    health.waiting = {status.label: counts.get(status, 0) for status in statuses}
    health.oldest_waiting = pending.aggregate(oldest=Min("created_at"))["oldest"]
    health.stuck = stuck_submissions(pending)
    if not health.services.get("broker", True):
        health.errors.append(
            "The broker (Redis) is down: answers are saved, grading waits until it is back."
        )
    if not health.services.get("cache", True):
        health.errors.append(
            "The cache (Redis) is down: the API answers without rate limits until it is back."
        )
    if health.stuck:
        health.errors.append(
            "Some grades are stuck (below); the sweep re-sends them, or force a re-grade "
            "in the admin (Grading › Submissions)."
        )
    health.errors += capable_worker_missing(pending, health.workers or [])
    if any(v is None for v in health.queues.values()):
        health.errors.append("The broker did not answer: queue lengths are unknown.")
    if health.workers is None:
        health.errors.append("The workers could not be asked: whether any is alive is unknown.")
    elif not health.workers:
        health.errors.append("No grading worker answered: coding answers wait until one starts.")
    for worker in health.workers or ():
        if worker.get("sandbox_problem"):
            health.errors.append(
                f"Worker {worker.get('name')} cannot sandbox coding answers, so they wait in "
                f"the queue: {worker['sandbox_problem']}"
            )
        if worker.get("practice_problem"):
            health.errors.append(
                f"Worker {worker.get('name')} cannot grade practice code, so visitors' runs are "
                f"not graded: {worker['practice_problem']}"
            )
    return health
