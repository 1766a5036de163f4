"""The host side of the sandbox: a warm zygote under bubblewrap, one job at a time each.

The pool starts one zygote per pool, hands it one job at a time (a fresh process in fresh
namespaces under its own uid, never reused), feeds the job its inputs, caps what comes
back and parses only plain arrays out of it.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings

import numpy as np

from grader.engine.config import GraderConfig, load_config
from grader.engine.devices import CPU_DEVICE
from grader.engine.sandbox.bwrap import (
    bwrap_command,
    filter_pipes,
    sandbox_problem,
    unsandboxed_command,
)
from grader.engine.sandbox.client import ServicePool
from grader.engine.sandbox.limits import UidLeases, job_request, tensor_config
from grader.engine.sandbox.protocol import (
    EXCERPT_BYTES,
    MAX_HEADER_BYTES,
    RunResult,
    SandboxUnavailable,
    UnsandboxedWarning,
    encode_message,
    parse_messages,
)

logger = logging.getLogger(__name__)


class _Zygote:
    """One sandboxed process that forks a confined job process per request."""

    def __init__(
        self,
        config: GraderConfig,
        unsandboxed: bool,
        runtime: str = "numpy",
        device: str = CPU_DEVICE,
    ) -> None:
        self.config = config
        self.unsandboxed = unsandboxed
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._stderr = tempfile.TemporaryFile()
        filters: tuple[int, ...] = ()
        try:
            if unsandboxed:
                cmd = unsandboxed_command(runtime)
            else:
                filters = filter_pipes()
                cmd = bwrap_command(
                    config,
                    runtime,
                    device,
                    zygote_filter_fd=filters[0],
                    job_filter_fd=filters[1],
                )
            self.process = subprocess.Popen(
                cmd,
                stdin=theirs,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                env={} if not unsandboxed else {"PATH": "/usr/bin:/bin"},
                close_fds=True,
                pass_fds=filters,
            )
        except OSError as exc:
            raise SandboxUnavailable(f"cannot start the sandbox: {exc}") from exc
        finally:
            theirs.close()
            for fd in filters:
                os.close(fd)
        self.control = ours
        self._send_lock = threading.Lock()
        ours.settimeout(30 if runtime == "numpy" else 120)  # importing torch takes seconds
        try:
            ready = ours.recv(16)
        except OSError:
            ready = b""
        ours.settimeout(None)
        if ready != b"ready":
            self.close()
            self._stderr.seek(0)
            detail = self._stderr.read()[-2000:].decode("utf-8", "replace").strip()
            raise SandboxUnavailable(f"the sandbox did not start: {detail or 'no output'}")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def submit(self, request: dict, fds: list[int]) -> None:
        with self._send_lock:
            socket.send_fds(self.control, [json.dumps(request).encode()], fds)

    def close(self) -> None:
        try:
            self.control.close()
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            self._stderr.close()


class _Channels:
    """The host's ends of one job's pipes, read and written without blocking until the
    status arrives or the deadline passes; every limit on what comes back applies here."""

    def __init__(self, config: GraderConfig, job: bytes, fds: dict[str, int], deadline: float):
        self.config, self.deadline = config, deadline
        self.stdin, self.stdout, self.stderr = fds["stdin"], fds["stdout"], fds["stderr"]
        self.results, self.status = fds["results"], fds["status"]
        self.result = RunResult()
        self.buffers = {fd: bytearray() for fd in (self.stdout, self.stderr)}
        self.buffers[self.results] = bytearray()
        self.buffers[self.status] = bytearray()
        self.printed = 0
        self.pending = memoryview(job)
        self.selector = selectors.DefaultSelector()
        os.set_blocking(self.stdin, False)
        for fd in self.buffers:
            os.set_blocking(fd, False)
            self.selector.register(fd, selectors.EVENT_READ)
        self.selector.register(self.stdin, selectors.EVENT_WRITE)
        self.open_fds = set(self.buffers) | {self.stdin}

    def _close(self, fd: int) -> None:
        if fd in self.open_fds:
            self.selector.unregister(fd)
            os.close(fd)
            self.open_fds.discard(fd)

    def _waiting(self) -> bool:
        """Until the status arrives; after the deadline only while output still drains."""
        if self.status in self.open_fds:
            return True
        return bool(self.open_fds - {self.stdin}) and time.monotonic() < self.deadline

    def _feed_input(self) -> None:
        try:
            self.pending = self.pending[os.write(self.stdin, self.pending[: 1 << 16]) :]
        except BlockingIOError:
            return
        except BrokenPipeError:  # the job died before reading its input
            self.pending = self.pending[:0]
        if not self.pending:
            self._close(self.stdin)

    def _take_output(self, fd: int, chunk: bytes) -> None:
        self.printed += len(chunk)
        keep = EXCERPT_BYTES - len(self.buffers[fd])
        if keep > 0:
            self.buffers[fd] += chunk[:keep]
        if self.printed > self.config.output_bytes and not self.result.output_exceeded:
            # Closing our ends makes the job's next write kill it (SIGPIPE).
            self.result.output_exceeded = True
            self._close(self.stdout)
            self._close(self.stderr)

    def _take_results(self, chunk: bytes) -> None:
        self.buffers[self.results] += chunk
        if len(self.buffers[self.results]) > self.config.result_bytes:
            self.result.result_exceeded = True
            self._close(self.results)

    def _take_status(self, chunk: bytes) -> None:
        self.buffers[self.status] += chunk
        if len(self.buffers[self.status]) > MAX_HEADER_BYTES:
            raise RuntimeError("status message too long")

    def _read(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            self._close(fd)
        elif fd in (self.stdout, self.stderr):
            self._take_output(fd, chunk)
        elif fd == self.results:
            self._take_results(chunk)
        else:
            self._take_status(chunk)

    def pump(self) -> None:
        """Move bytes until the job is done; our own failures become ``internal``."""
        try:
            while self._waiting():
                timeout = self.deadline - time.monotonic()
                if timeout <= 0:
                    if self.status in self.open_fds:
                        self.result.internal = "the sandbox did not report back in time"
                    break
                for key, _ in self.selector.select(timeout):
                    if key.fd == self.stdin:
                        self._feed_input()
                    else:
                        self._read(key.fd)
        except Exception as exc:  # our own failure, whatever it is
            self.result.internal = f"{type(exc).__name__}: {exc}"
        finally:
            self.selector.close()
            for fd in self.open_fds:
                os.close(fd)

    def _apply_status(self) -> None:
        text = bytes(self.buffers[self.status])
        try:
            status = json.loads(text) if text else {}
        except ValueError:
            status = {"internal": "unreadable status"}
        result = self.result
        if not status:
            result.internal = "the sandbox ended without a status"
        elif "internal" in status:
            result.internal = str(status["internal"])[:500]
        else:
            result.exit_code = int(status["exit_code"])
            result.timed_out = bool(status["timed_out"])
            result.memory_exceeded = bool(status.get("memory_exceeded"))
            result.cpu_s = float(status["cpu_s"])
            result.max_rss_kb = int(status["max_rss_kb"])

    def finish(self, started: float) -> RunResult:
        result = self.result
        result.stdout = bytes(self.buffers[self.stdout])
        result.stderr = bytes(self.buffers[self.stderr])
        result.wall_s = time.monotonic() - started
        if result.internal is None:
            self._apply_status()
        if not result.result_exceeded:
            result.messages, result.corrupt = parse_messages(
                bytes(self.buffers[self.results]), self.config.result_bytes
            )
        return result


class SandboxPool:
    """Runs jobs concurrently, each in its own fresh, confined process; thread-safe."""

    def __init__(
        self,
        config: GraderConfig | None = None,
        *,
        runtime: str = "numpy",
        device: str = CPU_DEVICE,
    ) -> None:
        """``runtime='torch'``: the tensor zygote (torch imported, jobs on ``device``)."""
        self.runtime, self.device = runtime, device
        self.config = config or load_config()
        self._uids = UidLeases(
            self.config.uid_base, self.config.uid_count, self.config.uid_lock_dir
        )
        self._slots = threading.BoundedSemaphore(self.config.pool_size)
        self._lock = threading.Lock()
        self._zygote: _Zygote | None = None
        self.unsandboxed = False

    # -- life cycle

    def _check_environment(self) -> bool:
        """Return True when the run must be unsandboxed (and allowed to be)."""
        problem = None
        if shutil.which(self.config.bwrap) is None:
            problem = f"bubblewrap ({self.config.bwrap}) is not installed"
        if problem is None:
            return False
        if not self.config.allow_unsandboxed:
            raise SandboxUnavailable(f"{problem}; refusing to run submissions unsandboxed")
        message = (
            f"GRADER_ALLOW_UNSANDBOXED is set and {problem}: candidates' code runs WITHOUT "
            "isolation. Development only; never in production."
        )
        warnings.warn(message, UnsandboxedWarning, stacklevel=3)
        logger.critical(message)
        print(f"WARNING: {message}", file=sys.stderr)
        return True

    def _start_zygote(self) -> _Zygote:
        try:
            return _Zygote(self.config, self.unsandboxed, self.runtime, self.device)
        except SandboxUnavailable as exc:
            # Say why in the words of the host check (the fix included), not bwrap's.
            problem = None if self.unsandboxed else sandbox_problem(self.config)
            raise SandboxUnavailable(problem or str(exc)) from exc

    def _ensure_zygote(self) -> _Zygote:
        with self._lock:
            if self._zygote is not None and self._zygote.alive:
                return self._zygote
            if self._zygote is not None:
                logger.warning("sandbox zygote died; starting a new one")
                self._zygote.close()
                self._zygote = None
            self.unsandboxed = self._check_environment()
            self._zygote = self._start_zygote()
            return self._zygote

    def start(self) -> None:
        """Start the warm zygote now rather than on the first job."""
        self._ensure_zygote()

    def close(self) -> None:
        with self._lock:
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None

    def _restart(self, zygote: _Zygote) -> None:
        with self._lock:
            if self._zygote is zygote:
                zygote.close()
                self._zygote = None

    # -- one job

    def run(self, header: dict, arrays: dict[str, np.ndarray]) -> RunResult:
        """Run one job: ``header`` (JSON: source, functions, cases) and its input arrays."""
        job = encode_message(header, arrays)
        with self._slots:
            zygote = self._ensure_zygote()
            uid = self._uids.acquire()
            try:
                return self._run_on(zygote, uid, job)
            finally:
                self._uids.release(uid)

    def _run_on(self, zygote: _Zygote, uid: int, job: bytes) -> RunResult:
        started = time.monotonic()
        names = ("stdin", "stdout", "stderr", "results", "status")
        pipes = {name: os.pipe2(os.O_CLOEXEC) for name in names}
        # The job reads stdin and writes the rest: it gets those ends, we keep the others.
        theirs = [pipes["stdin"][0]] + [pipes[name][1] for name in names[1:]]
        ours = {"stdin": pipes["stdin"][1]} | {name: pipes[name][0] for name in names[1:]}
        try:
            zygote.submit(job_request(self.config, uid, self.device), theirs)
        except OSError as exc:
            for fd in (fd for pair in pipes.values() for fd in pair):
                os.close(fd)
            self._restart(zygote)
            return RunResult(internal=f"the sandbox is gone: {exc}")
        for fd in theirs:
            os.close(fd)
        channels = _Channels(self.config, job, ours, started + self.config.wall_s + 10)
        channels.pump()
        result = channels.finish(started)
        if result.internal and not zygote.alive:
            self._restart(zygote)
        return result


# Whose code a pool runs: candidates' (hiring tests, the default) or anonymous visitors'
# (practice). Each has its own grading service and its own pool: a sandbox bug a visitor
# finds stays in the practice service, away from candidates' grades.
HIRING, PRACTICE = "hiring", "practice"


class NoPracticeService(SandboxUnavailable):
    """Hiring tests are graded in a grading service and practice has none of its own:
    visitors' code is refused rather than run in the service that grades candidates."""


def service_socket(purpose: str = HIRING, config: GraderConfig | None = None) -> str:
    """The grading service's socket for ``purpose`` ("": run jobs in this process).

    Practice uses ``GRADER_PRACTICE_SERVICE_SOCKET``; while hiring has a service, practice
    without one of its own (or pointed at the hiring one) raises ``NoPracticeService``."""
    config = config or load_config()
    if purpose == HIRING:
        return config.service_socket
    if purpose != PRACTICE:
        raise ValueError(f"unknown purpose {purpose!r} (use {HIRING!r} or {PRACTICE!r})")
    practice, hiring = config.practice_service_socket, config.service_socket
    if hiring and not practice:
        raise NoPracticeService(
            "GRADER_PRACTICE_SERVICE_SOCKET is unset while GRADER_SERVICE_SOCKET is set: "
            "practice code is never run in the hiring tests' grading service"
        )
    if hiring and os.path.realpath(practice) == os.path.realpath(hiring):
        raise NoPracticeService(
            "GRADER_PRACTICE_SERVICE_SOCKET names the hiring tests' grading service; "
            "practice code needs a service of its own"
        )
    return practice


_pools: dict[tuple[str, str, str, str], SandboxPool] = {}
_pool_lock = threading.Lock()


def _shared(runtime: str, device: str, purpose: str = HIRING, socket_path: str = ""):
    with _pool_lock:
        # A local pool per purpose: practice never shares hiring's zygote, even in tests.
        key = (purpose, runtime, device, socket_path)
        pool = _pools.get(key)
        if pool is None:
            config = load_config()
            if runtime == "torch":
                config = tensor_config(config, device)
            if socket_path:
                pool = ServicePool(config, runtime=runtime, device=device, socket_path=socket_path)
            else:
                pool = SandboxPool(config, runtime=runtime, device=device)
            _pools[key] = pool
            atexit.register(pool.close)
        return pool


def local_pool() -> SandboxPool:
    """This process's own warm NumPy pool (what the grading service runs jobs in)."""
    return _shared("numpy", CPU_DEVICE)


def local_tensor_pool(device: str = CPU_DEVICE) -> SandboxPool:
    """This process's own tensor pool for ``device`` ('cpu' or 'cuda'), started on first
    use (a separate zygote: importing torch costs about a second, paid once per process)."""
    return _shared("torch", device)


def get_pool(*, purpose: str = HIRING) -> SandboxPool:
    """The process-wide pool for ``purpose`` shared by the command line and the workers:
    its grading service's client when one is configured (``service_socket``), else a
    local sandbox pool (practice's is not hiring's). Raises ``NoPracticeService``."""
    return _shared("numpy", CPU_DEVICE, purpose, service_socket(purpose))


def get_tensor_pool(device: str = CPU_DEVICE, *, purpose: str = HIRING) -> SandboxPool:
    """The process-wide tensor pool for ``device`` and ``purpose``, as ``get_pool``."""
    return _shared("torch", device, purpose, service_socket(purpose))


# The languages of the problems (``Problem.runtime``): NumPy arrays, or torch tensors.
NUMPY, TORCH = "numpy", "torch"
# Not a zygote of its own: the torch zygote with Triton beside torch, which grades the
# Triton problems' correctness on a CPU through Triton's interpreter.
TRITON = "triton"


def installed_runtimes() -> list[str]:
    """The runtimes this host's sandbox can run: NumPy always (a dependency of the
    project), torch only where it is installed (it is optional: gigabytes on a GPU image),
    and Triton (its interpreter, on a CPU) where it is installed beside torch."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return [NUMPY]
    return [NUMPY, TORCH] + ([TRITON] if importlib.util.find_spec("triton") is not None else [])


def sandbox_runtimes(*, purpose: str = HIRING) -> list[str]:
    """The runtimes the purpose's sandbox runs: its grading service's own answer when one
    is configured (the service, not this worker, imports torch), else this host's.
    Raises ``SandboxUnavailable`` / ``NoPracticeService`` when there is no sandbox to ask."""
    if not service_socket(purpose):
        return installed_runtimes()
    status = get_pool(purpose=purpose).status()  # a ServicePool
    return [r for r in status.get("runtimes", [NUMPY]) if r in (NUMPY, TORCH, TRITON)]
