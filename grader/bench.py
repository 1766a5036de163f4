"""``python -m grader bench``: sustained throughput and latency of grading ``bn-forward``."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from grader.engine import ACCEPTED, grade_submission, warm_up
from grader.engine.sandbox import get_pool

_SOLUTION = """
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training:
        n = x.size // x.shape[1]
        if n == 1:
            raise ValueError("one value per channel")
        x64 = x.astype(np.float64)
        mean, var = x64.mean(axis=axes), x64.var(axis=axes)
        rm = (1 - momentum) * running_mean + momentum * mean
        rv = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var, rm, rv = running_mean, running_var, running_mean, running_var
    out = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    out = out * gamma.reshape(shape) + beta.reshape(shape)
    return out.astype(x.dtype), rm.astype(x.dtype), rv.astype(x.dtype)
"""


# A classic bug (PyTorch's momentum the Keras way): a wrong answer costs its diagnosis and the
# sandbox runs that shrink it to the smallest failing case.
_WRONG = _SOLUTION.replace(
    "rm = (1 - momentum) * running_mean + momentum * mean",
    "rm = momentum * running_mean + (1 - momentum) * mean",
).replace(
    "rv = (1 - momentum) * running_var + momentum * var",
    "rv = momentum * running_var + (1 - momentum) * var",
)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def _grade_one(_: int) -> float:
    started = time.perf_counter()
    report = grade_submission("bn-forward", _SOLUTION)
    if report.verdict != ACCEPTED:
        raise RuntimeError(f"bench submission not accepted: {report.verdict} {report.message}")
    return (time.perf_counter() - started) * 1000


def _grade_wrong(_: int) -> float:
    started = time.perf_counter()
    report = grade_submission("bn-forward", _WRONG)
    if report.diagnosis.slug != "keras-momentum" or report.smallest_failing_case is None:
        raise RuntimeError(f"bench wrong answer not diagnosed: {report.diagnosis}")
    return (time.perf_counter() - started) * 1000


def run_bench(submissions: int = 300, concurrency: int = 0, light: int = 30) -> dict:
    pool = get_pool()
    concurrency = concurrency or pool.config.pool_size
    warm_up(["bn-forward"], pool)
    for i in range(3):
        _grade_one(i)
    light_ms = [_grade_one(i) for i in range(light)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as executor:
        loaded_ms = list(executor.map(_grade_one, range(submissions)))
    seconds = time.perf_counter() - started
    _grade_wrong(0)  # the mistakes' predictions are computed once per process
    wrong_ms = [_grade_wrong(i) for i in range(max(3, light // 3))]
    result = {
        "submissions": submissions,
        "concurrency": concurrency,
        "throughput_per_s": submissions / seconds,
        "light_p50_ms": statistics.median(light_ms),
        "light_p95_ms": _percentile(light_ms, 95),
        "loaded_p50_ms": _percentile(loaded_ms, 50),
        "loaded_p95_ms": _percentile(loaded_ms, 95),
        "loaded_p99_ms": _percentile(loaded_ms, 99),
        "wrong_p50_ms": statistics.median(wrong_ms),
        "sandboxed": not pool.unsandboxed,
    }
    print(f"bn-forward, {'sandboxed' if result['sandboxed'] else 'UNSANDBOXED'}")
    print(
        f"light load ({light} sequential): p50 {result['light_p50_ms']:.1f} ms, "
        f"p95 {result['light_p95_ms']:.1f} ms"
    )
    print(
        f"sustained ({submissions} submissions, {concurrency} concurrent): "
        f"{result['throughput_per_s']:.1f} submissions/s; latency p50 "
        f"{result['loaded_p50_ms']:.1f} ms, p95 {result['loaded_p95_ms']:.1f} ms, "
        f"p99 {result['loaded_p99_ms']:.1f} ms"
    )
    print(
        f"a wrong answer ({len(wrong_ms)} sequential; diagnosis and smallest failing case): "
        f"p50 {result['wrong_p50_ms']:.1f} ms"
    )
    return result
