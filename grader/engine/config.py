"""The grader's settings: every environment variable the engine reads is read here.

The Django settings pass the same variables through; nothing else in ``grader`` looks at
``os.environ``. A bad value fails loudly instead of falling back silently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from grader.engine.envparse import ConfigError, env_bool, env_float, env_int

__all__ = ["ConfigError", "GraderConfig", "load_config"]


@dataclass(frozen=True)
class GraderConfig:
    """Limits and pool settings for sandboxed runs (see docs/grader.md)."""

    # Development only: run candidates' code without bubblewrap when it is missing.
    allow_unsandboxed: bool = False
    # Supervisors forked at once by one zygote; the warm pool's concurrency.
    pool_size: int = 4
    wall_s: float = 10.0
    cpu_s: int = 5
    memory_bytes: int = 1024 * 1024 * 1024
    processes: int = 16
    open_files: int = 64
    file_bytes: int = 4 * 1024 * 1024
    tmp_bytes: int = 16 * 1024 * 1024
    output_bytes: int = 1024 * 1024
    result_bytes: int = 64 * 1024 * 1024
    source_bytes: int = 64 * 1024
    # Unprivileged uids handed out one per job (never two live jobs on one uid).
    uid_base: int = 620000
    uid_count: int = 4096
    # Where pools run as root claim their block of host uids (one lock file per block): a
    # directory of the service's own, never a world-writable one.
    uid_lock_dir: str = "/run/normassess-grader-uids"
    bwrap: str = "bwrap"
    # The grading service's Unix socket: when set, jobs are sent there instead of being
    # run in this process (a worker that holds secrets never runs candidates' code).
    service_socket: str = ""
    # The practice grading service's socket: anonymous visitors' code runs there, never in
    # the service above (grader.engine.sandbox.pool.service_socket has the rule).
    practice_service_socket: str = ""

    @classmethod
    def from_env(cls) -> GraderConfig:
        return cls(
            allow_unsandboxed=env_bool("GRADER_ALLOW_UNSANDBOXED", False),
            pool_size=env_int("GRADER_POOL_SIZE", cls.pool_size, minimum=1),
            wall_s=env_float("GRADER_WALL_SECONDS", cls.wall_s, minimum=0.1, maximum=3600),
            cpu_s=env_int("GRADER_CPU_SECONDS", cls.cpu_s, minimum=1),
            memory_bytes=env_int("GRADER_MEMORY_MB", cls.memory_bytes >> 20, minimum=1) << 20,
            processes=env_int("GRADER_MAX_PROCESSES", cls.processes, minimum=1),
            output_bytes=env_int("GRADER_OUTPUT_KB", cls.output_bytes >> 10, minimum=1) << 10,
            uid_base=env_int("GRADER_UID_BASE", cls.uid_base, minimum=1000),
            uid_lock_dir=os.environ.get("GRADER_UID_LOCK_DIR", "") or cls.uid_lock_dir,
            bwrap=os.environ.get("GRADER_BWRAP", cls.bwrap) or cls.bwrap,
            service_socket=os.environ.get("GRADER_SERVICE_SOCKET", ""),
            practice_service_socket=os.environ.get("GRADER_PRACTICE_SERVICE_SOCKET", ""),
        )


def load_config() -> GraderConfig:
    return GraderConfig.from_env()
