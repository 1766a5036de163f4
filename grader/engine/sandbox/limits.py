"""The limits a job runs under, and the uids jobs get.

Every job runs in a user namespace of its own, under a uid leased from the pool; no two
live jobs of a host hold the same one. When the grading service runs as root, that uid is
also the job's uid on the host (its processes, its RLIMIT_NPROC count); unprivileged, the
whole job maps to the service's own uid, and the namespaces (user, PID, IPC, mount) and the
seccomp filter are what keep two jobs apart.

Processes, memory and files are bounded per job with rlimits; the process count is kept
per user namespace by the kernel (Linux 5.15 and later), so it counts one job's processes.
"""

from __future__ import annotations

import fcntl
import os
import stat
import threading
from dataclasses import replace

from grader.engine.config import GraderConfig
from grader.engine.devices import CPU_DEVICE, CUDA_DEVICE
from grader.engine.sandbox.protocol import SandboxUnavailable

# A pool claims a block of this many uids for its lifetime; a lock file per block makes
# the claim host-wide, so two worker processes never hand out the same uid.
UID_BLOCK = 256


def tensor_config(config: GraderConfig, device: str) -> GraderConfig:
    """Limits for the tensor zygote: importing torch, creating a CUDA context and moving
    the large hidden tests (hundreds of MB each) need more than the NumPy jobs. On a CPU,
    the Triton problems run in Triton's interpreter, which runs each program of a kernel's
    grid in Python with NumPy (a few ms each: 1-26 s a grade, docs/grader.md), hence the
    same time as on a GPU."""
    return replace(
        config,
        wall_s=max(config.wall_s, 90.0),
        cpu_s=max(config.cpu_s, 60),
        memory_bytes=max(config.memory_bytes, 8 << 30 if device == CUDA_DEVICE else 2 << 30),
        processes=max(config.processes, 64),
        open_files=max(config.open_files, 256),
        tmp_bytes=max(config.tmp_bytes, 256 << 20 if device == CUDA_DEVICE else 16 << 20),
        result_bytes=max(config.result_bytes, 2 << 30 if device == CUDA_DEVICE else 256 << 20),
        file_bytes=max(config.file_bytes, 64 << 20 if device == CUDA_DEVICE else 4 << 20),
        uid_base=config.uid_base
        + (config.uid_count if device == CPU_DEVICE else 2 * config.uid_count),
    )


class UidLeases:
    """Hand out uids so that no two live jobs on this host ever share one.

    Run as root (``host_wide``), the uids are the jobs' host uids: the pool first claims a
    block of ``UID_BLOCK`` uids with an exclusive lock on a file under ``lock_dir`` (held
    until the process exits, released by the kernel if it dies), then leases the block's
    uids one per job, round robin, never two at once. Unprivileged, a job's uid exists only
    inside its own user namespace (on the host it is the service's uid): the block is the
    first one and no lock file is made."""

    def __init__(self, base: int, count: int, lock_dir: str, *, host_wide: bool | None = None):
        self._base, self._count, self._lock_dir = base, count, lock_dir
        self._host_wide = os.geteuid() == 0 if host_wide is None else host_wide
        self._block: int | None = None
        self._lock_fd: int | None = None
        self._next = 0
        self._busy: set[int] = set()
        self._lock = threading.Lock()

    def _open_lock_dir(self) -> int:
        """The lock directory, ours alone: another local user must not be able to plant a
        symlink there (the root grader would create a file where it points) or hold our
        locks (every grade would fail for want of a uid)."""
        os.makedirs(self._lock_dir, mode=0o700, exist_ok=True)
        try:
            fd = os.open(
                self._lock_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
            )
        except OSError as exc:
            raise SandboxUnavailable(
                f"uid lock directory {self._lock_dir}: {exc.strerror}"
            ) from None
        info = os.fstat(fd)
        if info.st_uid != os.geteuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            os.close(fd)
            raise SandboxUnavailable(
                f"uid lock directory {self._lock_dir} must belong to uid {os.geteuid()} and be "
                "writable by it alone (set GRADER_UID_LOCK_DIR to a directory of the service's)"
            )
        return fd

    def _claim_block(self) -> int:
        if not self._host_wide:
            return self._base
        folder = self._open_lock_dir()
        try:
            for first in range(self._base, self._base + self._count - UID_BLOCK + 1, UID_BLOCK):
                try:
                    fd = os.open(
                        f"uids-{first}.lock",
                        os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                        0o600,
                        dir_fd=folder,
                    )
                except OSError:
                    continue
                if os.fstat(fd).st_uid != os.geteuid():
                    os.close(fd)
                    continue
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    os.close(fd)
                    continue
                self._lock_fd = fd  # held for the life of the process
                return first
        finally:
            os.close(folder)
        raise SandboxUnavailable(
            f"every block of sandbox uids from {self._base} is taken by another worker "
            "process (raise GRADER_UID_BASE's range or run fewer processes)"
        )

    @property
    def block(self) -> int:
        with self._lock:
            if self._block is None:
                self._block = self._claim_block()
            return self._block

    def acquire(self) -> int:
        first = self.block
        with self._lock:
            for _ in range(UID_BLOCK):
                uid = first + self._next
                self._next = (self._next + 1) % UID_BLOCK
                if uid not in self._busy:
                    self._busy.add(uid)
                    return uid
        raise SandboxUnavailable("no free sandbox uid")

    def release(self, uid: int) -> None:
        with self._lock:
            self._busy.discard(uid)


def job_request(config: GraderConfig, uid: int, device: str) -> dict:
    """The zygote's instructions for one job: its uid and every limit it runs under."""
    privileged = os.geteuid() == 0
    return {
        "uid": uid,
        "gid": uid,
        # Root may map the job to its own host uid; otherwise it maps to ours.
        "host_uid": uid if privileged else None,
        "host_gid": uid if privileged else None,
        "limit_address_space": device != CUDA_DEVICE,
        "wall_s": config.wall_s,
        "tmp_bytes": config.tmp_bytes,
        "memory_bytes": config.memory_bytes,
        "rlimits": {
            "RLIMIT_CPU": [config.cpu_s, config.cpu_s + 1],
            "RLIMIT_NPROC": [config.processes, config.processes],
            "RLIMIT_NOFILE": [config.open_files, config.open_files],
            "RLIMIT_FSIZE": [config.file_bytes, config.file_bytes],
            "RLIMIT_CORE": [0, 0],
        },
    }


def resource_limits() -> str:
    """Which mechanism bounds a job's memory and processes on this host, in words."""
    return (
        "rlimits (address space, processes per user namespace, CPU time, files) and the "
        "job-wide memory count of its supervisor (no cgroup)"
    )
