"""The grading system's health, for the review dashboard: queue lengths at the broker,
workers alive (CPU and GPU) and submissions waiting.

Every probe answers within about a second and reports "unknown" rather than failing the
page: the panel exists for the moment something is down.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Min

from grader.models import Submission, SubmissionStatus

logger = logging.getLogger(__name__)


@dataclass
class Health:
    queues: dict[str, int | None] = field(default_factory=dict)  # None: could not ask the broker
    workers: list[dict] | None = None  # None: could not ask the workers
    gpu_alive: bool | None = None
    waiting: dict[str, int] = field(default_factory=dict)  # submissions by status
    oldest_waiting: object = None
    errors: list[str] = field(default_factory=list)


def queue_names() -> list[str]:
    names = [settings.GRADER_CPU_QUEUE, getattr(settings, "GRADER_GPU_QUEUE", "gpu")]
    return list(dict.fromkeys(names))


def queue_lengths(broker_url: str | None = None) -> dict[str, int | None]:
    """Messages waiting per queue: LLEN on Redis, files on kombu's filesystem transport."""
    broker_url = broker_url or settings.CELERY_BROKER_URL
    names = queue_names()
    if broker_url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        try:
            client = redis.Redis.from_url(broker_url, socket_connect_timeout=1, socket_timeout=1)
            return {name: int(client.llen(name)) for name in names}
        except redis.RedisError:
            logger.warning("health: the broker did not answer", exc_info=True)
            return dict.fromkeys(names)
    if broker_url.startswith("filesystem://"):
        folder = Path(
            getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get("data_folder_in", "")
        )
        if not folder.is_dir():
            return dict.fromkeys(names)
        # kombu names each message file <time>_<uuid>.<queue>.msg
        files = [p.name for p in folder.iterdir() if p.suffix == ".msg"]
        return {name: sum(1 for f in files if f.endswith(f".{name}.msg")) for name in names}
    return dict.fromkeys(names)


def _capability():
    """The GPU engineer's `grader.capability` (live_workers, gpu_alive) when it exists."""
    if importlib.util.find_spec("grader.capability") is None:
        return None
    try:
        return importlib.import_module("grader.capability")
    except Exception:  # a broken module must not break the panel
        logger.warning("health: grader.capability failed to import", exc_info=True)
        return None


def workers_alive() -> tuple[list[dict] | None, bool | None]:
    """(workers, gpu alive): from grader.capability when present, else a Celery ping."""
    capability = _capability()
    if capability is not None and hasattr(capability, "live_workers"):
        try:
            workers = list(capability.live_workers())
            gpu = (
                capability.gpu_alive()
                if hasattr(capability, "gpu_alive")
                else any(w.get("kind") == "gpu" for w in workers)
            )
            return workers, bool(gpu)
        except Exception:
            logger.warning("health: grader.capability.live_workers failed", exc_info=True)
    from assess.celery import app

    try:
        replies = app.control.inspect(timeout=1).ping() or {}
    except Exception:
        logger.warning("health: could not ping the workers", exc_info=True)
        return None, None
    workers = [
        {
            "name": name,
            "kind": "gpu" if "gpu" in name.lower() else "cpu",
            "gpu_name": "",
            "memory": None,
            "last_heartbeat": None,
        }
        for name in sorted(replies)
    ]
    return workers, any(w["kind"] == "gpu" for w in workers)


def grading_health(organization=None) -> Health:
    """Queues and workers are shared by every organization; the submissions counted are
    the organization's own."""
    health = Health(queues=queue_lengths())
    health.workers, health.gpu_alive = workers_alive()
    # `waiting_gpu` (the GPU engineer's status, when present): stored, no GPU worker yet.
    statuses = [
        SubmissionStatus.QUEUED,
        SubmissionStatus.RUNNING,
        *([SubmissionStatus.WAITING_GPU] if hasattr(SubmissionStatus, "WAITING_GPU") else []),
    ]
    pending = Submission.objects.filter(status__in=statuses, public_only=False)
    if organization is not None:
        pending = pending.filter(answer__attempt__organization=organization)
    counts = dict(pending.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    health.waiting = {str(status): counts.get(status, 0) for status in statuses}
    health.oldest_waiting = pending.aggregate(oldest=Min("created_at"))["oldest"]
    if any(v is None for v in health.queues.values()):
        health.errors.append("The broker did not answer: queue lengths are unknown.")
    if health.workers is None:
        health.errors.append("The workers could not be asked: whether any is alive is unknown.")
    elif not health.workers:
        health.errors.append("No grading worker answered: coding answers wait until one starts.")
    return health
