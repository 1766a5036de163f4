"""The grading service: the only process that runs candidates' code, and it holds no secret.

``python -m grader serve --socket PATH`` listens on a Unix socket (no network at all) and
runs each job it is sent in its sandbox pool; the Celery worker that owns the database row
keeps the credentials and calls it through ``client.ServicePool``, a drop-in for
``SandboxPool``. The service refuses to start with a secret in its environment (the
database, the broker, Django's key): a breakout from the sandbox lands in a process with
nothing to steal and nowhere to send it.

One request per connection: a frame (``protocol.encode_message``) with ``{"op": "run",
"runtime", "device", "header"}`` and the job's arrays, or ``{"op": "status"}``; the answer
is an 8-byte length and the result (``RunResult.to_wire``) or a JSON status.
"""

from __future__ import annotations

import json
import logging
import os
import socketserver
import sys
import threading
from dataclasses import asdict

import numpy as np

from grader.engine.devices import CPU_DEVICE
from grader.engine.sandbox.bwrap import privileged, sandbox_problem
from grader.engine.sandbox.limits import resource_limits
from grader.engine.sandbox.pool import local_pool, local_tensor_pool
from grader.engine.sandbox.protocol import (
    MAX_REQUEST_BYTES,
    RunResult,
    SandboxUnavailable,
    ServiceError,
    parse_messages,
    recv_frame,
    send_frame,
)

logger = logging.getLogger(__name__)

# The service's whole environment: its own settings (GRADER_*), what the interpreter and the
# container runtime set, and the GPU runtime's variables. Anything else (a credential, the
# broker's or the cache's URL, a metrics token, whatever name the next one has) makes it
# refuse to start: an allow list, because a deny list misses the secret nobody listed.
ALLOWED_VARIABLES = frozenset(
    {
        "PATH",
        "HOME",
        "HOSTNAME",
        "LANG",
        "LANGUAGE",
        "LC_ALL",
        "LC_CTYPE",
        "TZ",
        "TERM",
        "TMPDIR",
        "PWD",
        "SHLVL",
        "PYTHONPATH",
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHON_VERSION",
        "PYTHON_SHA256",
        "GPG_KEY",
        "VIRTUAL_ENV",
        "DEBIAN_FRONTEND",
        "LD_LIBRARY_PATH",
        "container",
    }
)
ALLOWED_PREFIXES = ("GRADER_", "NVIDIA_", "CUDA_", "NV_", "LC_")
# Named in the compose file's checks: none of these may ever be allowed.
SECRET_VARIABLES = (
    "DJANGO_SECRET_KEY",
    "SECRET_KEY",
    "DATABASE_URL",
    "PGPASSWORD",
    "POSTGRES_PASSWORD",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CACHE_URL",
    "REDIS_URL",
    "REDIS_PASSWORD",
    "EMAIL_HOST_PASSWORD",
    "METRICS_TOKEN",
)


def _allowed(name: str) -> bool:
    return name in ALLOWED_VARIABLES or name.startswith(ALLOWED_PREFIXES)


def secrets_in_environment(environ: dict[str, str] | None = None) -> list[str]:
    """The variables outside the allow list (by name only, sorted); the service refuses to
    start with any."""
    env = os.environ if environ is None else environ
    return sorted(name for name in env if not _allowed(name))


def scrubbed_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """What a launcher passes to the service: the allowed variables only."""
    env = os.environ if environ is None else environ
    return {name: value for name, value in env.items() if _allowed(name)}


# --------------------------------------------------------------------------- the server


def _local_pool(runtime: str = "numpy", device: str = CPU_DEVICE):
    return local_tensor_pool(device) if runtime == "torch" else local_pool()


# Jobs this process was sent since it started: which service ran what, for health and tests.
_jobs_run = 0
_jobs_lock = threading.Lock()


def service_status() -> dict:
    """What the service can do here: the sandbox problem (None when it works), the limits,
    the runtimes, and which process this is (pid, jobs run so far)."""
    from grader.engine.sandbox.pool import installed_runtimes

    pool = _local_pool()
    return {
        "pid": os.getpid(),
        "jobs_run": _jobs_run,
        "sandbox_problem": sandbox_problem(pool.config),
        "privileged": privileged(),
        # What it can run: the workers announce it, so torch problems are offered only
        # where a service that has torch grades them.
        "runtimes": installed_runtimes(),
        "resource_limits": resource_limits(),
        "config": asdict(pool.config),
    }


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        try:
            data = recv_frame(self.request, MAX_REQUEST_BYTES)
            messages, corrupt = parse_messages(data, MAX_REQUEST_BYTES)
            if corrupt or len(messages) != 1:
                raise ServiceError(f"bad request: {corrupt or 'one message expected'}")
            request, arrays = messages[0]
            if request.get("op") == "status":
                send_frame(self.request, json.dumps(service_status()).encode())
                return
            if request.get("op") != "run" or not isinstance(request.get("header"), dict):
                raise ServiceError("bad request: unknown operation")
            result = self._run(request, arrays)
        except (ServiceError, OSError, ValueError) as exc:
            result = RunResult(internal=f"grading service: {exc}"[:500])
        try:
            send_frame(self.request, result.to_wire())
        except OSError:
            logger.warning("the worker hung up before its result was sent")

    @staticmethod
    def _run(request: dict, arrays: dict[str, np.ndarray]) -> RunResult:
        global _jobs_run
        with _jobs_lock:
            _jobs_run += 1
        pool = _local_pool(request.get("runtime", "numpy"), request.get("device", CPU_DEVICE))
        try:
            return pool.run(request["header"], arrays)
        except SandboxUnavailable as exc:
            return RunResult(internal=f"sandbox unavailable: {exc}")


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


def serve(socket_path: str) -> None:
    """Run the grading service on ``socket_path`` until interrupted."""
    found = secrets_in_environment()
    if found:
        raise SystemExit(
            "grader serve: refusing to run candidates' code with variables outside its allow "
            f"list in the environment ({', '.join(found)[:500]}); start it with only the "
            "GRADER_* settings (grader.engine.sandbox.service.ALLOWED_VARIABLES)"
        )
    pool = _local_pool()
    problem = sandbox_problem(pool.config)
    if problem:
        # Keep serving: the workers see the problem in the status and leave the
        # submissions queued (the health panel says why) rather than failing them.
        print(f"grader serve: cannot sandbox submissions: {problem}", file=sys.stderr, flush=True)
    else:
        pool.start()
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    old_umask = os.umask(0o117)  # the socket: owner and group (the workers) only
    try:
        server = _Server(socket_path, _Handler)
    finally:
        os.umask(old_umask)
    print(f"grader serve: listening on {socket_path}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        os.unlink(socket_path)
