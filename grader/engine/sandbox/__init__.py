"""Run untrusted code in bubblewrap, through a warm zygote; see ``zygote.py`` for the inside.

``pool``: the host side (a warm zygote per pool, one confined process per job);
``bwrap``: the bubblewrap command line and the host check; ``seccomp``: the filters;
``limits``: the limits and uids of a job; ``protocol``: what crosses the pipes.
"""

from grader.engine.sandbox.bwrap import (
    TORCH_PACKAGES,
    bwrap_command,
    libcuda_dir,
    privileged,
    sandbox_problem,
)
from grader.engine.sandbox.limits import resource_limits, tensor_config
from grader.engine.sandbox.pool import (
    HIRING,
    NUMPY,
    PRACTICE,
    TORCH,
    NoPracticeService,
    SandboxPool,
    get_pool,
    get_tensor_pool,
    installed_runtimes,
    sandbox_runtimes,
    service_socket,
)
from grader.engine.sandbox.protocol import (
    EXCERPT_BYTES,
    RunResult,
    SandboxUnavailable,
    UnsandboxedWarning,
    parse_messages,
)

__all__ = [
    "EXCERPT_BYTES",
    "HIRING",
    "NUMPY",
    "PRACTICE",
    "TORCH",
    "TORCH_PACKAGES",
    "RunResult",
    "SandboxPool",
    "SandboxUnavailable",
    "UnsandboxedWarning",
    "bwrap_command",
    "get_pool",
    "get_tensor_pool",
    "installed_runtimes",
    "NoPracticeService",
    "libcuda_dir",
    "parse_messages",
    "privileged",
    "resource_limits",
    "sandbox_problem",
    "sandbox_runtimes",
    "service_socket",
    "tensor_config",
]
