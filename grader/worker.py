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
import time
import uuid

from celery.signals import task_received, worker_ready, worker_shutdown
from django.conf import settings

from grader import capability
from grader.engine.config import load_config
from grader.engine.sandbox import (
    HIRING,
    PRACTICE,
    NoPracticeService,
    SandboxUnavailable,
    get_pool,
    sandbox_runtimes,
    service_socket,
)
from grader.engine.sandbox import sandbox_problem as host_problem
from grader.routing import announcements

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


def sandbox_problem(attempts: int = 20, *, purpose: str = HIRING) -> str | None:
    """Why submissions (``purpose=PRACTICE``: visitors' practice code) cannot be sandboxed
    from this worker (with the fix), or None.

    Through the purpose's grading service when one is configured (asked a few times: it may
    still be starting beside us); otherwise a one-shot probe of bubblewrap on this host (no
    zygote here: the worker's pool children fork from this process)."""
    config = load_config()
    try:
        remote = service_socket(purpose, config)
    except NoPracticeService as exc:
        return str(exc)
    if not remote:
        return None if config.allow_unsandboxed else host_problem(config)
    problem = None
    for _ in range(attempts):
        try:
            get_pool(purpose=purpose).start()
            return None
        except SandboxUnavailable as exc:
            problem = str(exc)
            if "not reachable" not in problem:
                break
            time.sleep(0.5)
    return problem


def practice_problem(queues: list[str], attempts: int = 20) -> str | None:
    """Why this worker cannot grade the practice code it takes (None: it can, or it takes
    none). Only asked when a grading service is configured: without one, practice runs in
    a pool of its own on this host, which ``sandbox_problem()`` already checked."""
    config = load_config()
    if settings.PRACTICE_CODE_QUEUE not in queues:
        return None
    if not (config.service_socket or config.practice_service_socket):
        return None
    return sandbox_problem(attempts, purpose=PRACTICE)


def runtimes_of(purpose: str) -> list[str]:
    """What the purpose's sandbox runs (``grader.engine.sandbox.sandbox_runtimes``); NumPy
    alone when its grading service cannot be asked (it is then announced as a problem)."""
    try:
        return sandbox_runtimes(purpose=purpose)
    except (SandboxUnavailable, NoPracticeService, OSError, ValueError):
        logger.exception("could not ask what the %s sandbox runs", purpose)
        return ["numpy"]


def _practice_service() -> bool:
    config = load_config()
    return bool(config.service_socket or config.practice_service_socket)


def _hold_grading(sender, queues: list[str], problem: str) -> None:
    """Stop consuming the grading queues: submissions stay queued (visibly waiting) rather
    than failing as internal errors, and the health panel shows why."""
    message = (
        f"grader worker: cannot sandbox submissions: {problem}. Submissions stay queued; "
        "fix this, then restart the worker."
    )
    logger.critical(message)
    print(message, file=sys.stderr, flush=True)
    for queue in queues:
        if queue in (settings.GRADER_CPU_QUEUE, settings.GRADER_GPU_QUEUE):
            try:
                sender.cancel_task_queue(queue)
            except Exception:  # an older consumer: the submissions then retry and fail
                logger.exception("could not stop consuming %s", queue)


@worker_ready.connect
def announce_worker(sender=None, **_kwargs) -> None:
    global _heartbeat
    try:
        queues = sorted(q.name for q in sender.task_consumer.queues)
    except AttributeError:
        queues = []
    name = getattr(sender, "hostname", None) or "worker"
    from grader.engine.sandbox import resource_limits

    info = worker_info(queues)
    info["sandbox_problem"] = sandbox_problem()
    # Not held like the grading queues: a visitor's run says at once that it cannot be graded.
    info["practice_problem"] = practice_problem(queues)
    info["resource_limits"] = resource_limits()
    info["runtimes"] = [] if info["sandbox_problem"] else runtimes_of(HIRING)
    takes_practice = settings.PRACTICE_CODE_QUEUE in queues
    practice_ok = takes_practice and not info["practice_problem"]
    # Without a practice service practice runs in this host's sandbox, checked above.
    practice_ok = practice_ok and not (info["sandbox_problem"] and not _practice_service())
    info["practice_runtimes"] = runtimes_of(PRACTICE) if practice_ok else []
    if info["sandbox_problem"]:
        _hold_grading(sender, queues, info["sandbox_problem"])
    _heartbeat = capability.Heartbeat(
        name,
        info,
        settings.GRADER_HEARTBEAT_TTL_SECONDS,
        **announcements(),
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
