"""The program that runs *inside* the outer bubblewrap sandbox: a zygote and the job runner.

This file is bind-mounted alone into the sandbox and run by the bare interpreter
(``python -I -S zygote.py SITE_DIR``); it must not import anything from the project.

The zygote imports NumPy once, then waits on a Unix socket for job requests. A request
carries five pipe ends (stdin, stdout, stderr, result, status). For each request it forks
a *supervisor*, which

1. unshares fresh mount, PID, network, IPC and UTS namespaces (nothing is shared with
   any other job: not /tmp, not the loopback interface, not a PID);
2. mounts a private, size-limited tmpfs on /tmp;
3. forks the *job process*, PID 1 of the new namespace, which mounts its own /proc, sets
   the rlimits, starts a new session, drops to the job's own unprivileged uid/gid (so the
   candidate's code never runs as root and RLIMIT_NPROC counts only its processes),
   clears the environment and runs the candidate's code on the job;
4. waits for it under the wall-clock limit (SIGKILL on expiry; the kernel then kills
   every process of the namespace, daemons included) and writes an exit status on the
   status pipe, which the job process never holds.

Nothing the job process writes is trusted by the grader beyond raw arrays: its result
messages are plain ``.npz`` payloads plus a small JSON header, validated outside.
"""

import ctypes
import io
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import time

SITE_DIR = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] != "-" else None
UNSANDBOXED = "--unsandboxed" in sys.argv[2:]
# The tensor zygote (GPU problems): torch imported once here, before any fork; CUDA is
# never initialized in the zygote (a forked child could not use it), only in each job.
TORCH = "--torch" in sys.argv[2:]
TIMING_FILE = next((a.split("=", 1)[1] for a in sys.argv[2:] if a.startswith("--timing=")), None)
# The job filter (compiled BPF, see seccomp.py) arrives on this descriptor, read once.
JOB_FILTER_FD = next(
    (int(a.split("=", 1)[1]) for a in sys.argv[2:] if a.startswith("--job-filter-fd=")), None
)
ZYGOTE_FILTER_FD = next(
    (int(a.split("=", 1)[1]) for a in sys.argv[2:] if a.startswith("--zygote-filter-fd=")), None
)

JOB_FILTER = b""
PR_SET_NO_NEW_PRIVS = 38
# seccomp(2): x86_64 and aarch64 numbers; the filter refuses other ABIs anyway.
SYS_SECCOMP = {"x86_64": 317, "aarch64": 277}.get(os.uname().machine, 317)
SECCOMP_SET_MODE_FILTER = 1

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def _install_filter(program: bytes) -> None:
    """Stack a seccomp filter on this process; nothing after this can lift it."""
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    fprog = _SockFprog(len(program) // 8, program)
    # No SECCOMP_FILTER_FLAG_SPEC_ALLOW: where the kernel ties speculation mitigations to
    # seccomp (spec_store_bypass_disable / spectre_v2_user = seccomp, the default before
    # 5.16) candidates' code keeps them, whatever they cost (docs/grader.md has the figures).
    _check(
        _libc.syscall(
            SYS_SECCOMP,
            SECCOMP_SET_MODE_FILTER,
            0,
            ctypes.byref(fprog),
        ),
        "seccomp",
    )


def _read_filter(fd: int | None) -> bytes:
    if fd is None:
        return b""
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


if __name__ == "__main__":
    # OpenBLAS starts one thread per core at import unless told otherwise; one is enough
    # and keeps RLIMIT_NPROC meaningful.
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_name] = "1"
    if SITE_DIR:
        sys.path.insert(0, SITE_DIR)
    # The zygote's own filter, before NumPy (or torch) runs a line here; the jobs' one is
    # kept for each job to stack on it.
    if not UNSANDBOXED:
        _install_filter(_read_filter(ZYGOTE_FILTER_FD))
    JOB_FILTER = _read_filter(JOB_FILTER_FD)

import linecache  # noqa: E402
import re  # noqa: E402

# Everything a job's error paths use is imported here, before any job runs: a job imports
# nothing the zygote will need later (and everything a job can see is read-only anyway).
import traceback  # noqa: E402
import types  # noqa: E402
import zipfile  # noqa: E402

import numpy as np  # noqa: E402

torch = None
gpu_timing = None
if TORCH:
    import importlib.util

    import torch  # noqa: E402

    # One intra-op thread: threads count against RLIMIT_NPROC, and a fork must not
    # inherit a half-started pool.
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    if TIMING_FILE:
        _spec = importlib.util.spec_from_file_location("gpu_timing", TIMING_FILE)
        gpu_timing = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(gpu_timing)

CLONE_NEWUSER = 0x10000000
CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4
PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
MS_BIND, MS_RDONLY = 4096, 1
# Host-wide counters that show what other jobs (and the host) are doing; each job sees
# an empty file instead. Its own processes are in /proc/<pid>, private to its PID namespace.
MASKED_PROC_FILES = (
    "loadavg",
    "stat",
    "meminfo",
    "vmstat",
    "uptime",
    "diskstats",
    "schedstat",
    "sched_debug",
    "timer_list",
    "interrupts",
    "softirqs",
    "zoneinfo",
    "buddyinfo",
    "pagetypeinfo",
    "slabinfo",
    "keys",
    "key-users",
    "kallsyms",
    "locks",
    "swaps",
    "partitions",
    "sysrq-trigger",
    "cmdline",
    "cgroups",
    "config.gz",
    "modules",
    "devices",
    "filesystems",
    "misc",
    "iomem",
    "ioports",
    "kpagecount",
    "kpageflags",
    "kpagecgroup",
    "crypto",
    "consoles",
    "vmallocinfo",
)
MASKED_PROC_DIRS = ("pressure", "irq", "acpi", "scsi", "fs", "tty", "driver", "bus", "sysvipc")
# /proc/sys is host-wide (file and inode counts, the boot id, every tunable) but for
# user/, the job's own user-namespace limits, which the job sets to 0 for itself.
PROC_SYS_KEPT = ("user",)
# The job process is PID 1 of its namespace: its own view of the mounts names the host
# paths the sandbox binds from (the Python installation, NumPy, the zygote file).
MASKED_JOB_FILES = ("mountinfo", "mounts", "mountstats")

MAGIC = b"GRDR"
MAX_MESSAGE_TEXT = 4000


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    _check(
        _libc.mount(
            source.encode(),
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def _die_with_parent() -> None:
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _drop_capabilities() -> None:
    """Give up every capability (of the job's own user namespace) for good."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # EINVAL: past the last capability this kernel knows
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(_CapHeader(0x20080522, 0)), data), "capset")


def _mask_dir(path: str) -> None:
    _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=555")


def _mask_proc() -> None:
    for name in MASKED_PROC_FILES:
        path = "/proc/" + name
        if os.path.exists(path):
            _mount("/dev/null", path, None, MS_BIND, None)
    for name in MASKED_PROC_DIRS:
        path = "/proc/" + name
        if os.path.isdir(path):
            _mask_dir(path)
    for name in os.listdir("/proc/sys"):
        if name not in PROC_SYS_KEPT and os.path.isdir("/proc/sys/" + name):
            _mask_dir("/proc/sys/" + name)
    for folder in ("/proc/1", "/proc/1/task/1"):
        for name in MASKED_JOB_FILES:
            if os.path.exists(f"{folder}/{name}"):
                _mount("/dev/null", f"{folder}/{name}", None, MS_BIND, None)


def _forbid_user_namespaces() -> None:
    """No user namespace below the job's own (the seccomp filter refuses them too)."""
    try:
        with open("/proc/sys/user/max_user_namespaces", "w") as limit:
            limit.write("0")
    except OSError:
        pass  # a kernel without per-namespace limits: the filter alone holds


# --------------------------------------------------------------------------- job runner


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError("job input ended early")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


_NPY_HEADER = re.compile(
    r"\{'descr': '(?P<descr>[<>|=]?(?:[fiu][1248]|b1))', 'fortran_order': (?P<fortran>False|True), "
    r"'shape': \((?P<shape>[0-9, ]*)\), \}\s*"
)


def load_npz(data: bytes, limit: int) -> dict:
    """Read an .npz of plain numeric arrays; a strict, pickle-free and fast ``np.load``.

    Only bool, integer and float dtypes are accepted; the header is matched by a regular
    expression rather than evaluated; the uncompressed size is checked before reading.
    """
    arrays = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > limit:
            raise ValueError("arrays too large")
        for member in members:
            if not member.filename.endswith(".npy"):
                raise ValueError("not an .npy member")
            raw = archive.read(member)
            if raw[:6] != b"\x93NUMPY":
                raise ValueError("not an .npy member")
            major = raw[6]
            if major == 1:
                (header_len,) = struct.unpack_from("<H", raw, 8)
                start = 10
            elif major in (2, 3):
                (header_len,) = struct.unpack_from("<I", raw, 8)
                start = 12
            else:
                raise ValueError("unknown .npy version")
            match = _NPY_HEADER.fullmatch(raw[start : start + header_len].decode("latin1"))
            if match is None:
                raise ValueError("unsupported .npy header")
            dtype = np.dtype(match["descr"])
            shape = tuple(int(v) for v in match["shape"].replace(" ", "").split(",") if v)
            count = 1
            for size in shape:
                count *= size
            body = raw[start + header_len :]
            if len(body) != count * dtype.itemsize:
                raise ValueError("truncated array")
            order = "F" if match["fortran"] == "True" else "C"
            array = np.frombuffer(body, dtype=dtype, count=count).reshape(shape, order=order)
            arrays[member.filename[: -len(".npy")]] = array.copy()
    return arrays


def _read_job(fd: int) -> tuple[dict, dict]:
    magic, header_len, data_len = struct.unpack("<4sQQ", _read_exact(fd, 20))
    if magic != MAGIC:
        raise ValueError("bad job header")
    header = json.loads(_read_exact(fd, header_len))
    return header, load_npz(_read_exact(fd, data_len), data_len * 2 + (1 << 20))


def _send(fd: int, header: dict, arrays: dict) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    payload = buffer.getvalue()
    head = json.dumps(header).encode()
    data = struct.pack("<4sQQ", MAGIC, len(head), len(payload)) + head + payload
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _short(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_TEXT else text[:MAX_MESSAGE_TEXT] + "..."


def _type_name(value) -> str:
    kind = type(value)
    return _short(f"{getattr(kind, '__module__', '?')}.{getattr(kind, '__qualname__', '?')}")


# The name the candidate's file is compiled under: a traceback shows only frames of it.
SUBMISSION_FILE = "submission.py"
SUBMISSION_MODULE = "submission"
# Deep recursion would make a thousand frames; the last ones say where it went wrong.
TRACEBACK_FRAMES = 12
# The candidate's source, by line, once compiled (set in the job process by run_job).
_submission_lines: list[str] = []


def _candidate_traceback(exc: BaseException, kind: str, message: str) -> str:
    """The traceback as the candidate's own file sees it: their frames with their line
    numbers and lines, then the exception. The harness's frames (the grader's source and
    its host paths, which name the inputs it calls with) and library frames are left out;
    the lines shown are read from the submitted source, never from a file on disk."""
    frames = [
        (frame.f_code.co_name, lineno)
        for frame, lineno in traceback.walk_tb(exc.__traceback__)
        if frame.f_code.co_filename == SUBMISSION_FILE
    ]
    lines = ["Traceback (your code, most recent call last):"]
    if len(frames) > TRACEBACK_FRAMES:
        lines.append(f"  ... {len(frames) - TRACEBACK_FRAMES} earlier calls not shown")
        frames = frames[-TRACEBACK_FRAMES:]
    for name, lineno in frames:
        lines.append(f'  File "{SUBMISSION_FILE}", line {lineno}, in {name}')
        if lineno is not None and 0 < lineno <= len(_submission_lines):
            lines.append("    " + _submission_lines[lineno - 1].strip()[:200])
    if len(lines) == 1:
        return ""  # raised outside the candidate's code (at compile time, or in the harness)
    lines.append(f"{kind}: {message}" if message else kind)
    return "\n".join(lines)


def _error_info(exc: BaseException) -> dict:
    kind = _short(type(exc).__name__)
    message = (
        _short(str(exc))
        if not isinstance(exc, RecursionError)
        else "maximum recursion depth exceeded"
    )
    return {
        "type": kind,
        "message": message,
        "is_value_error": isinstance(exc, ValueError),
        "is_memory_error": isinstance(exc, MemoryError),
        "traceback": _candidate_traceback(exc, kind, message),
    }


_INTEGER_SCALARS = (
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
)


def _plain(value, allow_int: bool):
    """Return (array or None, description): only exact ndarrays of numbers pass."""
    if type(value) is np.ndarray:
        if value.dtype.kind not in "fiub" or value.dtype.hasobject:
            return None, f"an array of dtype {_short(str(value.dtype))}"
        return np.ascontiguousarray(value), "array"
    if allow_int and (type(value) is int or type(value) in _INTEGER_SCALARS):
        if type(value) is int and not -(2**63) <= value < 2**63:
            return None, "an integer too large for int64"
        return np.asarray(int(value), dtype=np.int64), "int"
    return None, f"a {_type_name(value)}, not a numpy.ndarray"


class _Tensors:
    """The torch side of a job: inputs become tensors on the job's device; only exact
    ``torch.Tensor`` results on that device come back, as plain arrays."""

    def __init__(self, device: str) -> None:
        self.device = device

    def inputs(self, arrays: dict) -> dict:
        return {k: torch.from_numpy(np.array(v)).to(self.device) for k, v in arrays.items()}

    def plain(self, value) -> tuple:
        if type(value) is not torch.Tensor:
            return None, f"a {_type_name(value)}, not a torch.Tensor"
        if value.device.type != torch.device(self.device).type:
            return None, f"a tensor on {value.device.type}; expected one on {self.device}"
        if value.is_complex() or value.dtype not in (
            torch.float16,
            torch.bfloat16,
            torch.float32,
            torch.float64,
        ):
            return None, f"a tensor of dtype {_short(str(value.dtype))}"
        if value.dtype == torch.bfloat16:  # NumPy has none; float16 is judged by dtype
            return None, f"a tensor of dtype {value.dtype}; expected the input's dtype"
        return np.ascontiguousarray(value.detach().to("cpu").numpy()), "tensor"

    def echo(self, value):
        if type(value) is torch.Tensor:
            return np.ascontiguousarray(value.detach().to("cpu").numpy())
        return None


def _forbid(names: list) -> None:
    """Make the library functions a problem forbids raise, wherever they are reached."""

    def refuse(name):
        def refused(*args, **kwargs):
            raise RuntimeError(
                f"{name} is not allowed in this problem: write the computation yourself"
            )

        return refused

    holders = [
        torch,
        torch.nn.functional,
        torch.nn,
        torch.nn.modules.batchnorm,
        torch.ops.aten,
        torch._C._VariableFunctions,
    ]
    for holder in holders:
        for name in names:
            try:
                current = getattr(holder, name, None)
            except Exception:  # noqa: BLE001 - an op namespace may refuse lookups
                current = None
            if current is None:
                continue
            replacement = refuse(f"{getattr(holder, '__name__', 'torch')}.{name}")
            if isinstance(current, type):
                replacement = type(
                    name, (), {"__init__": lambda self, *a, _r=replacement, **k: _r()}
                )
            try:
                setattr(holder, name, replacement)
            except (AttributeError, TypeError):
                pass


def _resolve(spec, inputs: dict, results: dict, bound: dict, passed: dict):
    if "array" in spec:
        array = inputs[spec["array"]]
        passed[spec["array"]] = array
        return array
    if "value" in spec:
        return spec["value"]
    if "tuple" in spec:
        return tuple(spec["tuple"])
    if "result" in spec:
        return results[spec["result"]]
    if "item" in spec:
        owner, key = spec["item"]
        return bound[owner][key]
    if "dict" in spec:
        made = {k: _resolve(v, inputs, results, bound, passed) for k, v in spec["dict"].items()}
        bound[spec["bind"]] = made
        return made
    raise ValueError(f"bad argument spec {spec!r}")


def _run_case(
    index: int, case: dict, arrays: dict, namespace: dict, tensors=None
) -> tuple[dict, dict]:
    prefix = f"{index}/"
    inputs = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
    if tensors is not None:
        inputs = tensors.inputs(inputs)
    results: dict = {}
    bound: dict = {}
    passed: dict = {}
    header: dict = {"case": index, "status": "ok", "outputs": {}}
    out_arrays: dict = {}
    allow_int = set(case.get("int_outputs", ()))
    try:
        for call in case["calls"]:
            fn = namespace[call["fn"]]
            args = [_resolve(a, inputs, results, bound, passed) for a in call["args"]]
            kwargs = {
                k: _resolve(v, inputs, results, bound, passed) for k, v in call["kwargs"].items()
            }
            returned = fn(*args, **kwargs)
            names = call["returns"]
            if isinstance(names, str):
                results[names] = returned
                continue
            if type(returned) not in (tuple, list) or len(returned) != len(names):
                length = f" of length {len(returned)}" if type(returned) in (tuple, list) else ""
                header["status"] = "bad_return"
                header["message"] = (
                    f"{call['fn']} returned {_type_name(returned)}{length}; "
                    f"expected a tuple of {len(names)}"
                )
                break
            results.update(zip(names, returned, strict=True))
    except BaseException as exc:  # noqa: B036 - everything the candidate raises is reported
        if isinstance(exc, SystemExit | KeyboardInterrupt):
            raise
        header["status"] = "raised"
        header["error"] = _error_info(exc)
    if header["status"] == "ok":
        for name, (owner, key) in case.get("captures", {}).items():
            holder = bound.get(owner, {})
            if type(holder) is dict and key in holder:
                results[name] = holder[key]
            else:
                header["outputs"][name] = f"bn_param[{key!r}] is missing"
        for name in case["outputs"]:
            if name in header["outputs"]:
                continue
            if tensors is not None:
                array, description = tensors.plain(results.get(name))
            else:
                array, description = _plain(results.get(name), name in allow_int)
            if array is None:
                header["outputs"][name] = description
            else:
                out_arrays["out/" + name] = array
                header["outputs"][name] = description
    # The inputs as they are after the calls, as one byte blob: the grader compares it
    # with what it sent (one array instead of one per input keeps this cheap).
    if tensors is not None:
        passed = {name: tensors.echo(a) for name, a in passed.items()}
    echo = [(name, a) for name, a in sorted(passed.items()) if type(a) is np.ndarray]
    header["echo"] = [[name, a.dtype.str, list(a.shape)] for name, a in echo]
    out_arrays["echo"] = np.frombuffer(b"".join(a.tobytes() for _, a in echo), dtype=np.uint8)
    return header, out_arrays


def run_job(stdin_fd: int, result_fd: int) -> None:
    """Run one job in the current (already confined) process, then exit."""
    header, arrays = _read_job(stdin_fd)
    os.close(stdin_fd)
    os.environ.clear()
    # Writes to a pipe the grader closed (output limit) should end the process.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    source = header["source"]
    _submission_lines[:] = source.splitlines()
    try:
        code = compile(source, SUBMISSION_FILE, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        _send(
            result_fd, {"phase": "compile", "status": "syntax_error", "error": _error_info(exc)}, {}
        )
        return
    # The file runs as a module registered in sys.modules, as an import would leave it:
    # dataclasses, typing.get_type_hints and pickle look a class's module up there (a
    # @dataclass under `from __future__ import annotations` fails to load otherwise).
    module = types.ModuleType(SUBMISSION_MODULE)
    module.__file__ = SUBMISSION_FILE
    # The file exists only in memory: Triton's @jit reads a kernel's text back through
    # inspect.getsource (linecache), and refuses a function whose source it cannot find.
    linecache.cache[SUBMISSION_FILE] = (len(source), None, source.splitlines(True), SUBMISSION_FILE)
    sys.modules[SUBMISSION_MODULE] = module
    namespace = module.__dict__
    tensors = None
    timed = reference_failure = None
    if header.get("runtime") == "torch":
        tensors = _Tensors(header.get("device", "cpu"))
        for name, value in (header.get("env") or {}).items():
            os.environ[str(name)] = str(value)  # what Triton needs: its cache dir, libcuda's path
        if header.get("timing") and gpu_timing is not None:
            # The library's time and the card's bandwidth are taken before the candidate's
            # code exists in this process, so it cannot touch them. If that fails (a noisy
            # host), the answer is still graded; only its speed goes unmeasured.
            try:
                timed = _time_reference(header["timing"], tensors.device)
            except Exception as exc:
                reference_failure = {
                    "phase": "timing",
                    "error": {**_error_info(exc), "type": "ReferenceTimingFailed"},
                }
        _forbid(header.get("forbidden") or [])
    # The timing's entry points as they are before the candidate's code exists: they are
    # called from here (locals it cannot rebind), and compared afterwards with what the
    # modules hold then (sys.modules reaches this module's and gpu_timing's names).
    entry_points = _timing_entry_points() if timed is not None else {}
    send, time_candidate = _send, _time_candidate
    send(result_fd, {"phase": "start"}, {})
    try:
        exec(code, namespace)
    except BaseException as exc:  # noqa: B036 - reported, whatever it is
        _send(result_fd, {"phase": "import", "status": "raised", "error": _error_info(exc)}, {})
        return
    missing = [n for n in header["functions"] if not callable(namespace.get(n))]
    if missing:
        _send(result_fd, {"phase": "import", "status": "missing_function", "missing": missing}, {})
        return
    all_ok = True
    for index, case in enumerate(header["cases"]):
        case_header, case_arrays = _run_case(index, case, arrays, namespace, tensors)
        # A case that must raise ValueError behaves when it does (every correct answer to
        # bn-forward-cuda raises on one value per channel, and must still be timed).
        if case.get("expect_error"):
            all_ok &= case_header.get("error", {}).get("is_value_error") is True
        else:
            all_ok &= case_header.get("status") == "ok"
        try:
            _send(result_fd, case_header, case_arrays)
        except MemoryError:
            _send(
                result_fd,
                {
                    "case": index,
                    "status": "raised",
                    "error": {
                        "type": "MemoryError",
                        "message": "out of memory while returning results",
                        "is_value_error": False,
                        "is_memory_error": True,
                        "traceback": "",
                    },
                },
                {},
            )
            return
        if case_header.get("error", {}).get("is_memory_error"):
            return  # out of memory once is the verdict; running on would only waste time
    if timed is not None and all_ok:
        send(result_fd, time_candidate(timed, namespace[header["functions"][0]], entry_points), {})
    elif reference_failure is not None and all_ok:
        send(result_fd, reference_failure, {})
    send(result_fd, {"phase": "done"}, {})


def _time_reference(spec: dict, device: str) -> dict:
    """The library's times (and, on a card, its bandwidth); on the CPU (the fake GPU) the
    same harness and rules on CPU tensors, for the timing path's own sake, never a speed."""
    on_card = device != "cpu"
    inputs = gpu_timing.timing_inputs(spec, device)
    flush = gpu_timing.flush_buffer(device) if on_card else None
    x = inputs["x"]
    return {
        "spec": spec,
        "inputs": inputs,
        "flush": flush,
        "peak_bytes_per_s": gpu_timing.measure_copy_bandwidth(device) if on_card else None,
        "reference_ms": gpu_timing.time_cuda(gpu_timing.reference_call(spec, inputs), flush=flush),
        "bytes_moved": int(spec.get("bytes_factor", 2)) * x.numel() * x.element_size(),
        "device_name": torch.cuda.get_device_name(device) if on_card else "cpu",
    }


def _timing_entry_points() -> dict:
    """What the candidate's timing goes through, by name: the module functions and the
    harness's methods (a class attribute replaced reaches every harness)."""
    harness, guard = gpu_timing.TimingHarness, gpu_timing.Guard
    main = sys.modules[__name__]
    return {
        "gpu_timing.time_cuda": gpu_timing.time_cuda,
        "gpu_timing.candidate_call": gpu_timing.candidate_call,
        "gpu_timing.TimingHarness.time": harness.time,
        "gpu_timing.TimingHarness._check": harness._check,
        "gpu_timing.TimingHarness.fresh_inputs": harness.fresh_inputs,
        "gpu_timing.Guard.verify": guard.verify,
        "zygote._time_candidate": getattr(main, "_time_candidate", None),
        "zygote._send": getattr(main, "_send", None),
        "zygote._timing_entry_points": getattr(main, "_timing_entry_points", None),
    }


def _time_candidate(timed: dict, fn, entry_points: dict) -> dict:
    """Time ``fn`` through the entry points bound before the candidate's code was loaded;
    a timing whose entry points the code has replaced since is refused, whatever it says."""
    message = {
        "phase": "timing",
        **{k: timed[k] for k in ("reference_ms", "peak_bytes_per_s", "bytes_moved", "device_name")},
    }
    try:
        run = entry_points["gpu_timing.candidate_call"](timed["spec"], fn, timed["inputs"])
        message["candidate_ms"] = entry_points["gpu_timing.time_cuda"](run, flush=timed["flush"])
    except BaseException as exc:  # noqa: B036 - the candidate's failure is reported, not ours
        if isinstance(exc, SystemExit | KeyboardInterrupt):
            raise
        message["error"] = _error_info(exc)
    now = entry_points["zygote._timing_entry_points"]()
    replaced = [name for name, original in entry_points.items() if now[name] is not original]
    if replaced:
        message.pop("candidate_ms", None)
        message["error"] = {
            "type": "TimingRejected",
            "message": f"patched: {', '.join(replaced)} was replaced: timing refused",
        }
    return message


# --------------------------------------------------------------------------- supervisor


def _confine_job_process(request: dict) -> None:
    """In the job process (PID 1 of fresh namespaces): mount its /proc and mask what leaks
    there, move into a user namespace of its own, set the limits, then give up every
    capability for good and stack the job's seccomp filter."""
    if not UNSANDBOXED:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
        _mask_proc()
        _enter_user_namespace(request)
        _enter_time_namespace()
        _forbid_user_namespaces()
    # The job starts with the zygote's address space (Python and NumPy), so its memory
    # allowance comes on top of that. A CUDA job has none: the driver maps the device's
    # memory into the address space (the wall clock and the container bound it instead).
    if request.get("limit_address_space", True):
        with open("/proc/self/statm") as statm:
            mapped = int(statm.read().split()[0]) * resource.getpagesize()
        limit = mapped + request["memory_bytes"]
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for name, (soft, hard) in request["rlimits"].items():
        resource.setrlimit(getattr(resource, name), (soft, hard))
    os.setsid()
    if not UNSANDBOXED:
        _drop_capabilities()
        if os.getuid() == 0 or os.geteuid() == 0:
            raise RuntimeError("failed to drop root")
    # Changing credentials clears the parent-death signal, so set it afterwards.
    _die_with_parent()
    os.chdir("/tmp")
    if not UNSANDBOXED:
        _install_filter(JOB_FILTER)


def _write_proc(name: str, text: str) -> None:
    fd = os.open(f"/proc/self/{name}", os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _enter_user_namespace(request: dict) -> None:
    """Move into a fresh user namespace of the job's own, as the job's uid and gid there.

    Run as root, the job first becomes its own host uid (``host_uid``: one per live job),
    so that the kernel counts and confines it apart from every other job; unprivileged,
    it stays the service's uid on the host. Either way it then maps that one uid to the
    job's uid inside, which a process may do for itself without any privilege."""
    host_uid, host_gid = request.get("host_uid"), request.get("host_gid")
    if host_uid is not None:
        os.setgroups([])
        os.setresgid(host_gid, host_gid, host_gid)
        os.setresuid(host_uid, host_uid, host_uid)
        # A change of uid makes /proc/self root's; the job must open its own maps.
        _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")
    outside_uid, outside_gid = os.geteuid(), os.getegid()
    _check(_libc.unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
    _write_proc("setgroups", "deny")
    _write_proc("uid_map", f"{request['uid']} {outside_uid} 1\n")
    _write_proc("gid_map", f"{request['gid']} {outside_gid} 1\n")


CLONE_NEWTIME = 0x00000080


def _enter_time_namespace() -> None:
    """Join a time namespace of the job's own whose boot and monotonic clocks start near
    zero: CLOCK_BOOTTIME would otherwise tell the host's uptime (/proc/uptime is masked,
    the clock is not). Needs the capabilities the job has in its own user namespace, and
    Linux 5.6; on an older kernel the clocks stay the host's."""
    if _libc.unshare(CLONE_NEWTIME) != 0:
        return  # no time namespaces here (EINVAL): nothing to hide the clocks with
    offsets = []
    for name, clock in (("monotonic", time.CLOCK_MONOTONIC), ("boottime", time.CLOCK_BOOTTIME)):
        offsets.append(f"{name} {-int(time.clock_gettime(clock))} 0")
    _write_proc("timens_offsets", "\n".join(offsets) + "\n")
    fd = os.open("/proc/self/ns/time_for_children", os.O_RDONLY | os.O_CLOEXEC)
    try:
        _check(_libc.setns(fd, CLONE_NEWTIME), "setns(CLONE_NEWTIME)")
    finally:
        os.close(fd)


# Each job's own writable places: mounted by its supervisor, gone with its mount namespace.
JOB_TMPFS = ("/tmp", "/dev/shm")
# How often the supervisor adds up the job's memory (a job can allocate a few hundred MB
# between two looks; each of its processes is also held to the allowance by RLIMIT_AS).
MEMORY_POLL_S = 0.02


def _status_kb(path: str, fields: tuple[str, ...]) -> dict[str, int]:
    found = {}
    try:
        with open(path, "rb") as status:
            for line in status:
                name, _, value = line.partition(b":")
                if (key := name.decode()) in fields:
                    found[key] = int(value.split()[0])
    except (OSError, ValueError, IndexError):
        pass  # the process ended between listing and reading
    return found


class _JobMemory:
    """The memory of a whole job, however many processes it splits it over: every
    process's anonymous memory beyond what it shares with the zygote, its shared memory,
    and the files in the job's tmpfs mounts. The supervisor (in the job's mount namespace,
    outside its PID namespace and its filter) reads the job's own /proc once the job has
    mounted it; RLIMIT_AS alone bounded each process, not their sum."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._host_proc = os.stat("/proc").st_dev
        # Pages every job process inherits from the zygote and shares until it writes them.
        self._inherited_kb = _status_kb("/proc/self/status", ("RssAnon",)).get("RssAnon", 0)

    def used(self) -> int:
        if os.stat("/proc").st_dev == self._host_proc:
            return 0  # the job has not mounted its own /proc yet: nothing of its own so far
        total_kb = 0
        for name in os.listdir("/proc"):
            if name.isdigit():
                sizes = _status_kb(f"/proc/{name}/status", ("RssAnon", "RssShmem"))
                total_kb += max(0, sizes.get("RssAnon", 0) - self._inherited_kb)
                total_kb += sizes.get("RssShmem", 0)
        total = total_kb << 10
        for path in JOB_TMPFS:
            fs = os.statvfs(path)
            total += (fs.f_blocks - fs.f_bfree) * fs.f_frsize
        return total

    def exceeded(self) -> bool:
        return self.used() > self.limit


def _supervise(request: dict, fds: list[int]) -> None:
    stdin_fd, stdout_fd, stderr_fd, result_fd, status_fd = fds
    status: dict = {}
    try:
        _die_with_parent()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        if not UNSANDBOXED:
            _check(
                _libc.unshare(
                    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
                ),
                "unshare",
            )
            _mount("none", "/", None, MS_REC | MS_PRIVATE, None)
            # The only writable places a job has, fresh for each job (the rest is read-only).
            for path in JOB_TMPFS:
                _mount(
                    "tmpfs",
                    path,
                    "tmpfs",
                    MS_NOSUID | MS_NODEV,
                    f"size={request['tmp_bytes']},mode=1777,nr_inodes=1024",
                )
        memory = _JobMemory(request["memory_bytes"])
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(status_fd)
                os.dup2(stdin_fd, 0)
                os.dup2(stdout_fd, 1)
                os.dup2(stderr_fd, 2)
                os.dup2(result_fd, 3)
                os.closerange(4, 1 << 16)
                sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
                sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
                _confine_job_process(request)
                run_job(0, 3)
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(0)
            except MemoryError:
                os._exit(86)
            except BaseException:  # noqa: B036 - the job process must never return into the zygote
                try:
                    os.write(2, traceback.format_exc()[-2000:].encode())
                finally:
                    os._exit(87)
        for fd in (stdin_fd, stdout_fd, stderr_fd, result_fd):
            os.close(fd)
        deadline = started + request["wall_s"]
        pidfd = os.pidfd_open(pid)
        timed_out = memory_exceeded = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            ready, _, _ = select.select([pidfd], [], [], min(remaining, MEMORY_POLL_S))
            if ready:
                break
            if not UNSANDBOXED and memory.exceeded():
                memory_exceeded = True
                os.kill(pid, signal.SIGKILL)
                break
        _, wait_status, usage = os.wait4(pid, 0)
        status = {
            "exit_code": os.waitstatus_to_exitcode(wait_status),
            "timed_out": timed_out,
            "memory_exceeded": memory_exceeded,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "max_rss_kb": usage.ru_maxrss,
            "wall_s": time.monotonic() - started,
        }
    except BaseException as exc:  # noqa: B036 - reported to the grader as our own failure
        status = {"internal": f"{type(exc).__name__}: {exc}"}
    try:
        os.write(status_fd, json.dumps(status).encode())
    finally:
        os._exit(0)


def serve(control: socket.socket) -> None:
    # Auto-reap supervisors; each supervisor resets this before waiting on its job.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    control.sendall(b"ready")
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 16, 8)
        except InterruptedError:
            continue
        if not message:
            os._exit(0)
        try:
            request = json.loads(message)
            if len(fds) != 5:
                raise ValueError("expected 5 descriptors")
        except ValueError:
            for fd in fds:
                os.close(fd)
            continue
        pid = os.fork()
        if pid == 0:
            control.close()
            _supervise(request, fds)
        for fd in fds:
            os.close(fd)


if __name__ == "__main__":
    _die_with_parent()
    if not UNSANDBOXED and not JOB_FILTER:
        raise SystemExit("no seccomp filter for the jobs (--job-filter-fd)")
    serve(socket.socket(fileno=0))
