"""The bubblewrap command line of a zygote, and whether this host can run it at all.

Unprivileged first: bubblewrap gives the zygote a user namespace of its own
(``--unshare-user``) and no capability on the host, as Flatpak does; each job then gets a
further user namespace below it. Run as root, the zygote stays in the host's user
namespace (with CAP_SYS_ADMIN / CAP_SETUID / CAP_SETGID / CAP_KILL, under its seccomp
filter) so that it can map each job to a host uid of its own; the rest is the same.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from grader.engine.config import GraderConfig
from grader.engine.devices import CPU_DEVICE, CUDA_DEVICE
from grader.engine.sandbox.protocol import SandboxUnavailable
from grader.engine.sandbox.seccomp import SeccompUnavailable, job_filter, zygote_filter

ZYGOTE_SOURCE = Path(__file__).with_name("zygote.py")
TIMING_SOURCE = Path(__file__).resolve().parent.parent / "gpu_timing.py"
# What each problem times; gpu_timing.py loads it from beside itself.
TIMING_KINDS_SOURCE = TIMING_SOURCE.with_name("gpu_timing_kinds.py")
# The zygote gives each job fresh namespaces (CAP_SYS_ADMIN); run as root, it also maps
# each job to a host uid of its own and kills its processes. Unprivileged, these are
# capabilities within the zygote's own user namespace only, none on the host.
ZYGOTE_CAPS = ("CAP_SYS_ADMIN",)
PRIVILEGED_CAPS = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_KILL")

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


def _site_binds() -> list[tuple[str, str]]:
    """The NumPy package (and its bundled libraries), mounted alone under /opt/site."""
    numpy_dir = Path(np.__file__).resolve().parent
    binds = [(str(numpy_dir), "/opt/site/numpy")]
    libs = numpy_dir.with_name("numpy.libs")
    if libs.is_dir():
        binds.append((str(libs), "/opt/site/numpy.libs"))
    return binds


def _torch_binds() -> list[tuple[str, str]]:
    """torch and its dependencies from this interpreter's site-packages, one bind each."""
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        raise SandboxUnavailable("torch is not installed; GPU problems cannot be graded here")
    site = Path(spec.origin).resolve().parent.parent
    return [
        (str(site / name), f"/opt/site/{name}") for name in TORCH_PACKAGES if (site / name).exists()
    ]


def _gpu_device_binds() -> list[str]:
    """bwrap arguments for the NVIDIA device files (and nothing else of /dev)."""
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


def privileged() -> bool:
    """Root: jobs also get host uids of their own. Never required."""
    return os.geteuid() == 0


def _namespace_args() -> list[str]:
    args = [
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
    for cap in PRIVILEGED_CAPS if privileged() else ZYGOTE_CAPS:
        args += ["--cap-add", cap]
    if not privileged():
        args.insert(0, "--unshare-user")
    return args


def _filesystem_args(runtime: str, device: str) -> list[str]:
    """A read-only view of the shared libraries, Python and NumPy (plus torch for the
    tensor zygote, plus the GPU's device files on a GPU host); a private /tmp."""
    prefix = Path(sys.base_prefix).resolve()
    args: list[str] = []
    for path in ("/usr/lib", "/usr/lib64", "/lib", "/lib64"):
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    # Directories bwrap creates implicitly are 0700; make the mount points readable.
    for path in ("/opt", "/opt/site", "/opt/grader"):
        args += ["--perms", "0755", "--dir", path]
    args += ["--ro-bind", str(prefix), "/opt/py"]
    for source, target in _site_binds():
        args += ["--ro-bind", source, target]
    if runtime == "torch":
        for source, target in _torch_binds():
            args += ["--ro-bind", source, target]
        args += ["--ro-bind", str(TIMING_SOURCE), "/opt/grader/engine/gpu_timing.py"]
        args += ["--ro-bind", str(TIMING_KINDS_SOURCE), "/opt/grader/engine/gpu_timing_kinds.py"]
    args += ["--ro-bind", str(ZYGOTE_SOURCE), "/opt/grader/zygote.py"]
    args += ["--proc", "/proc", *_device_args()]
    if device == CUDA_DEVICE:
        # Only the GPU's device files join the minimal /dev; the driver's libraries are
        # under /usr/lib (already bound); Triton compiles a small launcher with the host's
        # C compiler, hence /usr/bin and /usr/include (read-only).
        args += _gpu_device_binds()
        for path in ("/usr/bin", "/usr/include", "/usr/libexec"):
            if os.path.isdir(path):
                args += ["--ro-bind", path, path]
    args += ["--perms", "0755", "--tmpfs", "/tmp", "--chdir", "/tmp"]
    # Nothing the zygote's jobs can reach stays writable: bubblewrap's root and /dev are
    # tmpfs owned by the service's uid, which is every job's uid when unprivileged, so a
    # job could otherwise leave a module on a later job's import path. Each job gets a
    # fresh /tmp and /dev/shm of its own (zygote.py, _supervise).
    args += ["--remount-ro", "/dev", "--remount-ro", "/tmp", "--remount-ro", "/"]
    return args


# The device nodes a job may use; no devpts (a pty instance would be shared by every job of
# the zygote) and no /dev/tty, /dev/console or /dev/mqueue.
DEVICE_NODES = ("null", "zero", "full", "random", "urandom")


def _device_args() -> list[str]:
    """A minimal /dev, built node by node (bubblewrap's --dev adds a devpts and ptmx)."""
    args = ["--perms", "0755", "--tmpfs", "/dev"]
    for node in DEVICE_NODES:
        args += ["--dev-bind", f"/dev/{node}", f"/dev/{node}"]
    for link, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        args += ["--symlink", target, f"/dev/{link}"]
    # The mount point of each job's own /dev/shm.
    args += ["--perms", "1777", "--dir", "/dev/shm"]
    return args


def _inner_python() -> str:
    prefix = Path(sys.base_prefix).resolve()
    python = Path(os.path.realpath(sys.executable))
    try:
        return "/opt/py/" + str(python.relative_to(prefix))
    except ValueError:
        raise SandboxUnavailable(f"{python} is not inside {prefix}") from None


def bwrap_command(
    config: GraderConfig,
    runtime: str = "numpy",
    device: str = CPU_DEVICE,
    *,
    zygote_filter_fd: int = -1,
    job_filter_fd: int = -1,
) -> list[str]:
    """The bubblewrap command line for a zygote; the two descriptors carry the seccomp
    programs (the zygote's, installed by the zygote before it imports anything; the jobs',
    stacked by each job). Without them the line only describes the sandbox: the zygote
    refuses to start."""
    return [
        config.bwrap,
        *_namespace_args(),
        *_filesystem_args(runtime, device),
        _inner_python(),
        "-I",
        "-S",
        "-B",
        "/opt/grader/zygote.py",
        "/opt/site",
        f"--zygote-filter-fd={zygote_filter_fd}",
        f"--job-filter-fd={job_filter_fd}",
        *_zygote_flags(runtime, "/opt/grader/engine/gpu_timing.py"),
    ]


def _zygote_flags(runtime: str, timing_path: str) -> list[str]:
    return ["--torch", f"--timing={timing_path}"] if runtime == "torch" else []


def unsandboxed_command(runtime: str = "numpy") -> list[str]:
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


def filter_pipes() -> tuple[int, int]:
    """Two readable descriptors holding the zygote's and the jobs' seccomp programs."""
    fds = []
    for program in (zygote_filter(), job_filter()):
        read_end, write_end = os.pipe()
        os.write(write_end, program)  # a few hundred bytes: well within a pipe's buffer
        os.close(write_end)
        fds.append(read_end)
    return fds[0], fds[1]


# --------------------------------------------------------------------------- host check


def _read_sysctl(path: str) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def _namespace_fix(stderr: str) -> str:
    """The one-line fix for a host that refuses unprivileged user namespaces."""
    if _read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1":
        return (
            "Ubuntu's AppArmor forbids unprivileged user namespaces: allow bubblewrap with "
            "`sudo cp /usr/share/apparmor/extra-profiles/bwrap-userns-restrict "
            "/etc/apparmor.d/ && sudo systemctl reload apparmor` (or set "
            "kernel.apparmor_restrict_unprivileged_userns=0)"
        )
    if _read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == "0":
        return "user namespaces are off: `sudo sysctl -w kernel.unprivileged_userns_clone=1`"
    if _read_sysctl("/proc/sys/user/max_user_namespaces") == "0":
        return "user namespaces are off: `sudo sysctl -w user.max_user_namespaces=15000`"
    return (
        f"bubblewrap cannot create namespaces here ({stderr or 'no output'}); in a container, "
        "use the seccomp and AppArmor profiles of deploy/ (docs/deploy.md)"
    )


def sandbox_problem(config: GraderConfig) -> str | None:
    """Why this host cannot sandbox submissions, with the fix, in one line; None if it can.

    Runs bubblewrap once with the namespaces and filter a zygote gets (a few ms)."""
    if shutil.which(config.bwrap) is None:
        return (
            f"bubblewrap ({config.bwrap}) is not installed: `sudo apt install bubblewrap` "
            "(or dnf / pacman)"
        )
    try:
        zygote_fd, job_fd = filter_pipes()
    except SeccompUnavailable as exc:
        return str(exc)
    os.close(job_fd)
    true = shutil.which("true") or "/bin/true"
    command = [
        config.bwrap,
        *_namespace_args(),
        "--seccomp",
        str(zygote_fd),
        "--ro-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        true,
    ]
    try:
        probe = subprocess.run(
            command, pass_fds=(zygote_fd,), capture_output=True, text=True, timeout=30, env={}
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bubblewrap could not be started ({exc})"
    finally:
        os.close(zygote_fd)
    if probe.returncode != 0:
        return _namespace_fix(probe.stderr.strip().splitlines()[-1] if probe.stderr else "")
    return None
