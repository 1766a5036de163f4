"""The registry of the problems: the nine of shared/PROBLEMS.md, one module per family
(`batch_norm`, `layer_norm`, `group_norm`, `batch_stats`, `cs231n`; the inputs they share in
`inputs`), and the GPU problems (`gpu`).

Every case is built from a fixed seed, so reports are reproducible. Each ``solve_*``
maps the problem's arguments onto normcore's (``gamma``/``beta`` -> ``weight``/``bias``,
the course-assignment momentum -> PyTorch's) and computes in float64 from the very
values the candidate receives. ``nc`` is normcore, or normcore with one function swapped
for a known mistake when the diagnosis asks "would this bug explain the output?".
"""

from __future__ import annotations

from collections.abc import Callable

from grader.engine.problems.base import Problem, load_text
from grader.engine.problems.batch_norm import (
    bn_backward_cases,
    bn_forward_cases,
    solve_bn_backward,
    solve_bn_forward,
)
from grader.engine.problems.batch_stats import fold_cases, solve_fold, solve_sync, sync_cases
from grader.engine.problems.cs231n import CS_MISTAKES, cs_cases, solve_cs
from grader.engine.problems.gpu import build_gpu_problems
from grader.engine.problems.group_norm import gn_cases, solve_gn
from grader.engine.problems.kernels import build_kernel_problems
from grader.engine.problems.layer_norm import (
    RMS_MISTAKES,
    ln_backward_cases,
    ln_forward_cases,
    resize_normalized,
    rms_cases,
    solve_ln_backward,
    solve_ln_forward,
    solve_rms,
)

_DEFINITIONS: list[tuple[str, str, tuple[str, ...], tuple[str, ...], Callable, Callable]] = [
    (
        "bn-forward",
        "mid",
        ("batchnorm_forward",),
        ("batch_norm",),
        bn_forward_cases,
        solve_bn_forward,
    ),
    (
        "bn-backward",
        "senior",
        ("batchnorm_backward",),
        ("batch_norm_backward",),
        bn_backward_cases,
        solve_bn_backward,
    ),
    (
        "layernorm-forward",
        "junior",
        ("layernorm_forward",),
        ("layer_norm",),
        ln_forward_cases,
        solve_ln_forward,
    ),
    (
        "layernorm-backward",
        "senior",
        ("layernorm_backward",),
        ("layer_norm_backward",),
        ln_backward_cases,
        solve_ln_backward,
    ),
    ("groupnorm-forward", "mid", ("groupnorm_forward",), ("group_norm",), gn_cases, solve_gn),
    ("rmsnorm-forward", "junior", ("rmsnorm_forward",), ("rms_norm",), rms_cases, solve_rms),
    ("bn-fold", "mid", ("fold_batchnorm",), ("fold_batchnorm",), fold_cases, solve_fold),
    (
        "bn-sync-stats",
        "senior",
        ("combine_batch_stats",),
        ("combine_batch_stats",),
        sync_cases,
        solve_sync,
    ),
    (
        "cs231n-batchnorm",
        "mid",
        ("batchnorm_forward", "batchnorm_backward"),
        ("batch_norm", "batch_norm_backward"),
        cs_cases,
        solve_cs,
    ),
]


_EXTRAS: dict[str, dict] = {
    "layernorm-forward": {"resize": resize_normalized},
    "layernorm-backward": {"resize": resize_normalized},
    "rmsnorm-forward": {"resize": resize_normalized, "mistakes": RMS_MISTAKES},
    "cs231n-batchnorm": {"mistakes": CS_MISTAKES},
}


def build_problems() -> list[Problem]:
    problems = []
    for slug, level, functions, uses, build, solve in _DEFINITIONS:
        title, statement, starter = load_text(slug)
        problems.append(
            Problem(
                slug=slug,
                title=title,
                level=level,
                function_names=functions,
                uses=uses,
                statement=statement,
                starter_code=starter,
                build_cases=build,
                solve=solve,
                **_EXTRAS.get(slug, {}),
            )
        )
    return problems + build_gpu_problems() + build_kernel_problems()
