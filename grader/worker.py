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

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings

from grader import capability
from grader.routing import announcements

logger = logging.getLogger(__name__)
_heartbeat: capability.Heartbeat | None = None


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
    info: dict = {"kind": "cpu", "queues": queues}
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
        **announcements(),
    ).start()
    logger.info("announced %s as a %s worker", name, _heartbeat.info["kind"])


@worker_shutdown.connect
def withdraw_worker(**_kwargs) -> None:
    if _heartbeat is not None:
        _heartbeat.stop()
