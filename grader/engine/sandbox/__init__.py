"""Run untrusted code in bubblewrap, through a warm zygote; see ``zygote.py`` for the inside.

The host side of the sandbox: it starts one zygote per pool under bubblewrap, hands it one
job at a time (a fresh process in fresh namespaces with its own uid, never reused), feeds
the job its inputs, caps what comes back and parses only plain arrays out of it.
"""

from __future__ import annotations

import atexit
import io
import json
import logging
import os
import selectors
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.engine.config import GraderConfig, load_config
from grader.engine.sandbox.zygote import load_npz

logger = logging.getLogger(__name__)

MAGIC = b"GRDR"
ZYGOTE_SOURCE = Path(__file__).with_name("zygote.py")
MAX_HEADER_BYTES = 1 << 20
# What a report shows of the candidate's stdout / stderr.
EXCERPT_BYTES = 4096
_CAPS_KEPT = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_KILL")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run here (no bubblewrap, not root, a failed start): our fault."""


class UnsandboxedWarning(RuntimeWarning):
    """Candidates' code is running without isolation (GRADER_ALLOW_UNSANDBOXED)."""


@dataclass
class RunResult:
    """What came back from one sandboxed job; nothing in it is trusted beyond its types."""

    messages: list[tuple[dict, dict[str, np.ndarray]]] = field(default_factory=list)
    stdout: bytes = b""
    stderr: bytes = b""
    output_exceeded: bool = False
    result_exceeded: bool = False
    corrupt: str | None = None
    exit_code: int | None = None
    timed_out: bool = False
    cpu_s: float = 0.0
    max_rss_kb: int = 0
    wall_s: float = 0.0
    internal: str | None = None


class _UidLeases:
    """Hand out unprivileged uids so that no two live jobs ever share one."""

    def __init__(self, base: int, count: int) -> None:
        self._base, self._count, self._next = base, count, 0
        self._busy: set[int] = set()
        self._lock = threading.Lock()

    def acquire(self) -> int:
        with self._lock:
            for _ in range(self._count):
                uid = self._base + self._next
                self._next = (self._next + 1) % self._count
                if uid not in self._busy:
                    self._busy.add(uid)
                    return uid
        raise SandboxUnavailable("no free sandbox uid")

    def release(self, uid: int) -> None:
        with self._lock:
            self._busy.discard(uid)


def _site_binds() -> list[tuple[str, str]]:
    """The NumPy package (and its bundled libraries), mounted alone under /opt/site."""
    numpy_dir = Path(np.__file__).resolve().parent
    binds = [(str(numpy_dir), "/opt/site/numpy")]
    libs = numpy_dir.with_name("numpy.libs")
    if libs.is_dir():
        binds.append((str(libs), "/opt/site/numpy.libs"))
    return binds


# What `import torch` (and Triton, on the GPU image) needs beside torch itself; each is
# mounted alone, read-only, under /opt/site, and only into the tensor zygote.
TORCH_PACKAGES = (
    "torch",
    "torchgen",
    "functorch",
    "typing_extensions.py",
    "sympy",
    "mpmath",
    "networkx",
    "jinja2",
    "markupsafe",
    "fsspec",
    "filelock",
    "nvidia",
    "triton",
    "torch.libs",
)
TIMING_SOURCE = Path(__file__).resolve().parent.parent / "gpu_timing.py"
CPU, CUDA = "cpu", "cuda"


def _torch_binds() -> list[tuple[str, str]]:
    """torch and its dependencies from this interpreter's site-packages, one bind each."""
    import importlib.util

    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        raise SandboxUnavailable("torch is not installed; GPU problems cannot be graded here")
    site = Path(spec.origin).resolve().parent.parent
    return [
        (str(site / name), f"/opt/site/{name}") for name in TORCH_PACKAGES if (site / name).exists()
    ]


def _gpu_device_binds() -> list[str]:
    """bwrap arguments for the NVIDIA device files (and nothing else of /dev)."""
    import glob

    args = []
    for path in sorted(glob.glob("/dev/nvidia*")):  # nvidia0.., nvidiactl, nvidia-uvm, -caps
        args += ["--dev-bind-try", path, path]
    return args


def libcuda_dir() -> str | None:
    """Where the driver's libcuda.so.1 is (Triton reads it from TRITON_LIBCUDA_PATH)."""
    for candidate in (
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib64",
        "/usr/lib/wsl/lib",
        "/usr/local/nvidia/lib64",
    ):
        if os.path.exists(os.path.join(candidate, "libcuda.so.1")):
            return candidate
    return None


def tensor_config(config: GraderConfig, device: str) -> GraderConfig:
    """Limits for the tensor zygote: importing torch, creating a CUDA context and moving
    the large hidden tests (hundreds of MB each) need more than the NumPy jobs."""
    from dataclasses import replace

    return replace(
        config,
        wall_s=max(config.wall_s, 90.0 if device == CUDA else 30.0),
        cpu_s=max(config.cpu_s, 60 if device == CUDA else 20),
        memory_bytes=max(config.memory_bytes, 8 << 30 if device == CUDA else 2 << 30),
        processes=max(config.processes, 64),
        open_files=max(config.open_files, 256),
        tmp_bytes=max(config.tmp_bytes, 256 << 20 if device == CUDA else 16 << 20),
        result_bytes=max(config.result_bytes, 2 << 30 if device == CUDA else 256 << 20),
        file_bytes=max(config.file_bytes, 64 << 20 if device == CUDA else 4 << 20),
        uid_base=config.uid_base + (config.uid_count if device == CPU else 2 * config.uid_count),
    )


def bwrap_command(config: GraderConfig, runtime: str = "numpy", device: str = CPU) -> list[str]:
    """The bubblewrap command line for a zygote: a read-only view of Python and NumPy only
    (plus torch for the tensor zygote, plus the GPU's device files on a GPU host)."""
    prefix = Path(sys.base_prefix).resolve()
    python = Path(os.path.realpath(sys.executable))
    try:
        inner_python = "/opt/py/" + str(python.relative_to(prefix))
    except ValueError:
        raise SandboxUnavailable(f"{python} is not inside {prefix}") from None
    cmd = [
        config.bwrap,
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--cap-drop",
        "ALL",
    ]
    for cap in _CAPS_KEPT:
        cmd += ["--cap-add", cap]
    # Shared libraries the interpreter and NumPy link against; nothing else of the host.
    for path in ("/usr/lib", "/usr/lib64", "/lib", "/lib64"):
        if os.path.islink(path):
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            cmd += ["--ro-bind", path, path]
    # Directories bwrap creates implicitly are 0700; make the mount points readable.
    for path in ("/opt", "/opt/site", "/opt/grader"):
        cmd += ["--perms", "0755", "--dir", path]
    cmd += ["--ro-bind", str(prefix), "/opt/py"]
    for source, target in _site_binds():
        cmd += ["--ro-bind", source, target]
    if runtime == "torch":
        for source, target in _torch_binds():
            cmd += ["--ro-bind", source, target]
        cmd += ["--ro-bind", str(TIMING_SOURCE), "/opt/grader/engine/gpu_timing.py"]
    cmd += [
        "--ro-bind",
        str(ZYGOTE_SOURCE),
        "/opt/grader/zygote.py",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
    ]
    if device == CUDA:
        # Only the GPU's device files join the minimal /dev; the driver's libraries are
        # under /usr/lib (already bound); Triton compiles a small launcher with the host's
        # C compiler, hence /usr/bin and /usr/include (read-only).
        cmd += _gpu_device_binds()
        for path in ("/usr/bin", "/usr/include", "/usr/libexec"):
            if os.path.isdir(path):
                cmd += ["--ro-bind", path, path]
    cmd += [
        "--perms",
        "0755",
        "--tmpfs",
        "/tmp",
        "--chdir",
        "/tmp",
        inner_python,
        "-I",
        "-S",
        "-B",
        "/opt/grader/zygote.py",
        "/opt/site",
        *(_zygote_flags(runtime, "/opt/grader/engine/gpu_timing.py")),
    ]
    return cmd


def _zygote_flags(runtime: str, timing_path: str) -> list[str]:
    return ["--torch", f"--timing={timing_path}"] if runtime == "torch" else []


def _unsandboxed_command(runtime: str = "numpy") -> list[str]:
    site = str(Path(np.__file__).resolve().parent.parent)
    return [
        sys.executable,
        "-I",
        "-S",
        "-B",
        str(ZYGOTE_SOURCE),
        site,
        "--unsandboxed",
        *_zygote_flags(runtime, str(TIMING_SOURCE)),
    ]


class _Zygote:
    """One sandboxed process that forks a confined job process per request."""

    def __init__(
        self, config: GraderConfig, unsandboxed: bool, runtime: str = "numpy", device: str = CPU
    ) -> None:
        self.config = config
        self.unsandboxed = unsandboxed
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._stderr = tempfile.TemporaryFile()
        cmd = (
            _unsandboxed_command(runtime) if unsandboxed else bwrap_command(config, runtime, device)
        )
        try:
            self.process = subprocess.Popen(
                cmd,
                stdin=theirs,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                env={} if not unsandboxed else {"PATH": "/usr/bin:/bin"},
                close_fds=True,
            )
        except OSError as exc:
            raise SandboxUnavailable(f"cannot start the sandbox: {exc}") from exc
        finally:
            theirs.close()
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


class SandboxPool:
    """Runs jobs concurrently, each in its own fresh, confined process; thread-safe."""

    def __init__(
        self, config: GraderConfig | None = None, *, runtime: str = "numpy", device: str = CPU
    ) -> None:
        """``runtime='torch'``: the tensor zygote (torch imported, jobs on ``device``)."""
        self.runtime, self.device = runtime, device
        self.config = config or load_config()
        self._uids = _UidLeases(self.config.uid_base, self.config.uid_count)
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
        elif os.geteuid() != 0:
            problem = (
                "the sandbox needs root (it gives each job its own namespaces and uid); "
                "run the worker as root in its container"
            )
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

    def _ensure_zygote(self) -> _Zygote:
        with self._lock:
            if self._zygote is not None and self._zygote.alive:
                return self._zygote
            if self._zygote is not None:
                logger.warning("sandbox zygote died; starting a new one")
                self._zygote.close()
                self._zygote = None
            self.unsandboxed = self._check_environment()
            self._zygote = _Zygote(self.config, self.unsandboxed, self.runtime, self.device)
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

    def _request(self, uid: int) -> dict:
        c = self.config
        return {
            "uid": uid,
            "gid": uid,
            "limit_address_space": self.device != CUDA,
            "wall_s": c.wall_s,
            "tmp_bytes": c.tmp_bytes,
            "memory_bytes": c.memory_bytes,
            "rlimits": {
                "RLIMIT_CPU": [c.cpu_s, c.cpu_s + 1],
                "RLIMIT_NPROC": [c.processes, c.processes],
                "RLIMIT_NOFILE": [c.open_files, c.open_files],
                "RLIMIT_FSIZE": [c.file_bytes, c.file_bytes],
                "RLIMIT_CORE": [0, 0],
            },
        }

    def run(self, header: dict, arrays: dict[str, np.ndarray]) -> RunResult:
        """Run one job: ``header`` (JSON: source, functions, cases) and its input arrays."""
        job = _encode(header, arrays)
        with self._slots:
            zygote = self._ensure_zygote()
            uid = self._uids.acquire()
            try:
                return self._run_on(zygote, uid, job)
            finally:
                self._uids.release(uid)

    def _run_on(self, zygote: _Zygote, uid: int, job: bytes) -> RunResult:
        started = time.monotonic()
        pipes = [os.pipe2(os.O_CLOEXEC) for _ in range(5)]
        (in_r, in_w), (out_r, out_w), (err_r, err_w), (res_r, res_w), (st_r, st_w) = pipes
        theirs = [in_r, out_w, err_w, res_w, st_w]
        try:
            zygote.submit(self._request(uid), theirs)
        except OSError as exc:
            for fd in (fd for pair in pipes for fd in pair):
                os.close(fd)
            self._restart(zygote)
            return RunResult(internal=f"the sandbox is gone: {exc}")
        for fd in theirs:
            os.close(fd)
        result = self._collect(job, in_w, out_r, err_r, res_r, st_r, started)
        if result.internal and not zygote.alive:
            self._restart(zygote)
        return result

    def _collect(self, job, in_w, out_r, err_r, res_r, st_r, started) -> RunResult:
        c = self.config
        result = RunResult()
        buffers = {out_r: bytearray(), err_r: bytearray(), res_r: bytearray(), st_r: bytearray()}
        printed = 0
        selector = selectors.DefaultSelector()
        os.set_blocking(in_w, False)
        for fd in buffers:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        selector.register(in_w, selectors.EVENT_WRITE)
        pending = memoryview(job)
        open_fds = set(buffers) | {in_w}
        deadline = started + c.wall_s + 10
        try:
            while st_r in open_fds or (open_fds - {in_w} and time.monotonic() < deadline):
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    if st_r in open_fds:
                        result.internal = "the sandbox did not report back in time"
                    break
                for key, _ in selector.select(timeout):
                    fd = key.fd
                    if fd == in_w:
                        try:
                            pending = pending[os.write(in_w, pending[: 1 << 16]) :]
                        except BlockingIOError:
                            continue
                        except BrokenPipeError:  # the job died before reading its input
                            pending = pending[:0]
                        if not pending:
                            selector.unregister(in_w)
                            os.close(in_w)
                            open_fds.discard(in_w)
                        continue
                    try:
                        chunk = os.read(fd, 1 << 16)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        selector.unregister(fd)
                        os.close(fd)
                        open_fds.discard(fd)
                        continue
                    if fd in (out_r, err_r):
                        printed += len(chunk)
                        keep = EXCERPT_BYTES - len(buffers[fd])
                        if keep > 0:
                            buffers[fd] += chunk[:keep]
                        if printed > c.output_bytes and not result.output_exceeded:
                            # Closing our ends makes the job's next write kill it (SIGPIPE).
                            result.output_exceeded = True
                            for gone in (out_r, err_r):
                                if gone in open_fds:
                                    selector.unregister(gone)
                                    os.close(gone)
                                    open_fds.discard(gone)
                    elif fd == res_r:
                        buffers[fd] += chunk
                        if len(buffers[fd]) > c.result_bytes:
                            result.result_exceeded = True
                            selector.unregister(fd)
                            os.close(fd)
                            open_fds.discard(fd)
                    else:
                        buffers[fd] += chunk
                        if len(buffers[fd]) > MAX_HEADER_BYTES:
                            raise RuntimeError("status message too long")
        except Exception as exc:  # our own failure, whatever it is
            result.internal = f"{type(exc).__name__}: {exc}"
        finally:
            selector.close()
            for fd in open_fds:
                os.close(fd)
        result.stdout = bytes(buffers[out_r])
        result.stderr = bytes(buffers[err_r])
        result.wall_s = time.monotonic() - started
        status_text = bytes(buffers[st_r])
        if result.internal is None:
            try:
                status = json.loads(status_text) if status_text else {}
            except ValueError:
                status = {"internal": "unreadable status"}
            if not status:
                result.internal = "the sandbox ended without a status"
            elif "internal" in status:
                result.internal = str(status["internal"])[:500]
            else:
                result.exit_code = int(status["exit_code"])
                result.timed_out = bool(status["timed_out"])
                result.cpu_s = float(status["cpu_s"])
                result.max_rss_kb = int(status["max_rss_kb"])
        if not result.result_exceeded:
            result.messages, result.corrupt = parse_messages(bytes(buffers[res_r]), self.config)
        return result


def _encode(header: dict, arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    data = buffer.getvalue()
    head = json.dumps(header).encode()
    return struct.pack("<4sQQ", MAGIC, len(head), len(data)) + head + data


def parse_messages(data: bytes, config: GraderConfig) -> tuple[list, str | None]:
    """Split the result channel into (header, arrays) messages; never unpickles anything."""
    messages = []
    offset = 0
    try:
        while offset < len(data):
            if len(data) - offset < 20:
                raise ValueError("truncated message")
            magic, head_len, data_len = struct.unpack_from("<4sQQ", data, offset)
            if magic != MAGIC or head_len > MAX_HEADER_BYTES or data_len > config.result_bytes:
                raise ValueError("bad message frame")
            offset += 20
            end = offset + head_len + data_len
            if end > len(data):
                raise ValueError("truncated message")
            header = json.loads(data[offset : offset + head_len])
            if not isinstance(header, dict):
                raise ValueError("bad message header")
            arrays = load_npz(data[offset + head_len : end], config.result_bytes)
            messages.append((header, arrays))
            offset = end
    except Exception as exc:  # anything malformed is the submission's doing
        return messages, f"{type(exc).__name__}: {exc}"[:300]
    return messages, None


_pool: SandboxPool | None = None
_tensor_pools: dict[str, SandboxPool] = {}
_pool_lock = threading.Lock()


def get_pool() -> SandboxPool:
    """The process-wide warm pool shared by the command line and the workers."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = SandboxPool()
            atexit.register(_pool.close)
        return _pool


def get_tensor_pool(device: str = CPU) -> SandboxPool:
    """The process-wide tensor pool for ``device`` ('cpu' or 'cuda'), started on first use
    (a separate zygote: importing torch costs about a second, paid once per process)."""
    with _pool_lock:
        pool = _tensor_pools.get(device)
        if pool is None:
            pool = SandboxPool(tensor_config(load_config(), device), runtime="torch", device=device)
            _tensor_pools[device] = pool
            atexit.register(pool.close)
        return pool
