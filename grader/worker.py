"""A grading worker announces itself while it runs (grader.capability), so routing and
the health panel know which workers, and which GPUs, are alive.

Connected to Celery's worker signals when ``grader.tasks`` is imported. A worker that
consumes the GPU queue on a host with a GPU (or GRADER_FAKE_GPU) announces kind "gpu";
every other worker announces kind "cpu". A crash stops the heartbeat and the record
expires after GRADER_HEARTBEAT_TTL_SECONDS.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import uuid

from celery.signals import task_received, worker_ready, worker_shutdown
from django.conf import settings

from grader import capability

logger = logging.getLogger(__name__)
_heartbeat: capability.Heartbeat | None = None
# Drawn when the worker's main process imports this module, before its pool forks, so
# the main process and every pool process of one worker share it, and a restart changes it.
INSTANCE = uuid.uuid4().hex[:12]
GRADE_TASK = "grader.grade_submission"


def identity(hostname: str | None) -> str:
    """This worker instance, as submission rows record it."""
    return capability.worker_identity(hostname or "worker", INSTANCE)


def _probe_gpu() -> dict | None:
    """This host's GPU, looked up in a child process: CUDA must never be initialized in
    the worker's main process, whose pool children are forked from it."""
    fake = capability.fake_gpu()
    if fake is not None:
        return fake
    code = "import json; from grader.capability import local_gpu; print(json.dumps(local_gpu()))"
    try:
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
        )
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        logger.exception("could not probe this host's GPU")
        return None


def worker_info(queues: list[str]) -> dict:
    info: dict = {"kind": "cpu", "queues": queues, "instance": INSTANCE}
    if settings.GRADER_GPU_QUEUE in queues:
        gpu = _probe_gpu()
        if gpu is not None:
            info.update(gpu, kind="gpu")
        else:
            logger.error(
                "this worker consumes %r but no GPU was found: it announces itself as a CPU worker",
                settings.GRADER_GPU_QUEUE,
            )
    return info


@worker_ready.connect
def announce_worker(sender=None, **_kwargs) -> None:
    global _heartbeat
    try:
        queues = sorted(q.name for q in sender.task_consumer.queues)
    except AttributeError:
        queues = []
    name = getattr(sender, "hostname", None) or "worker"
    _heartbeat = capability.Heartbeat(
        name,
        worker_info(queues),
        settings.GRADER_HEARTBEAT_TTL_SECONDS,
        broker_url=settings.CELERY_BROKER_URL,
    ).start()
    logger.info("announced %s as a %s worker", name, _heartbeat.info["kind"])


@worker_shutdown.connect
def withdraw_worker(**_kwargs) -> None:
    if _heartbeat is not None:
        _heartbeat.stop()


@task_received.connect
def note_reservation(sender=None, request=None, **_kwargs) -> None:
    """A grading message reached this worker (prefetched, not yet started): record it on
    the row, so if this worker dies before starting it the sweep knows the message died
    with it (it sits unacknowledged in Redis until the visibility timeout)."""
    if request is None or request.name != GRADE_TASK or not request.args:
        return
    from grader.sweep import submission_reserved

    try:
        submission_reserved(int(request.args[0]), identity(request.hostname))
    except Exception:  # a database blip must not stop the worker consuming
        logger.exception("could not record the reservation of %s", request.args[0])
