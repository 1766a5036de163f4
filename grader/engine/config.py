"""The grader's settings: every environment variable the engine reads is read here.

The Django settings pass the same variables through; nothing else in ``grader`` looks at
``os.environ``. A bad value fails loudly instead of falling back silently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


class ConfigError(ValueError):
    """An environment variable of the grader has a value we cannot use."""


def _env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not value > 0:
        raise ConfigError(f"{name}={value} must be positive")
    return value


def _env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use 1 or 0)")


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
            allow_unsandboxed=_env_bool("GRADER_ALLOW_UNSANDBOXED"),
            pool_size=_env_int("GRADER_POOL_SIZE", cls.pool_size),
            wall_s=_env_float("GRADER_WALL_SECONDS", cls.wall_s),
            cpu_s=_env_int("GRADER_CPU_SECONDS", cls.cpu_s),
            memory_bytes=_env_int("GRADER_MEMORY_MB", cls.memory_bytes >> 20) << 20,
            processes=_env_int("GRADER_MAX_PROCESSES", cls.processes),
            output_bytes=_env_int("GRADER_OUTPUT_KB", cls.output_bytes >> 10) << 10,
            uid_base=_env_int("GRADER_UID_BASE", cls.uid_base, minimum=1000),
            uid_lock_dir=os.environ.get("GRADER_UID_LOCK_DIR", "") or cls.uid_lock_dir,
            bwrap=os.environ.get("GRADER_BWRAP", cls.bwrap) or cls.bwrap,
            service_socket=os.environ.get("GRADER_SERVICE_SOCKET", ""),
            practice_service_socket=os.environ.get("GRADER_PRACTICE_SERVICE_SOCKET", ""),
        )


def load_config() -> GraderConfig:
    return GraderConfig.from_env()
