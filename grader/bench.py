"""``python -m grader bench``: sustained throughput and latency of grading ``bn-forward``."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from grader.engine import ACCEPTED, grade_submission, warm_up
from grader.engine.mistake_search import clear_cache, search
from grader.engine.problems import get_problem
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


# A bend of the normalized values that no departure from the reference reproduces: the
# search runs to its end (every operator, then every pair), then the probes' sandbox job.
_UNEXPLAINED = _SOLUTION.replace(
    "    out = out * gamma.reshape(shape)",
    "    out = out + 0.01 * out**3\n    out = out * gamma.reshape(shape)",
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


def _grade_unexplained(_: int) -> tuple[float, float]:
    """The whole grading of an unexplained wrong answer, and the search's share of it (the
    search timed again on the same outcomes, its predictions cached)."""
    started = time.perf_counter()
    report = grade_submission("bn-forward", _UNEXPLAINED)
    total = (time.perf_counter() - started) * 1000
    if report.verdict == ACCEPTED or report.diagnosis.confidence == "high":
        raise RuntimeError(f"bench unexplained answer was explained: {report.diagnosis}")
    returned = [o for o in report.outcomes if not o.case.expect_error and o.got is not None]
    started = time.perf_counter()
    search(get_problem("bn-forward"), returned)
    return total, (time.perf_counter() - started) * 1000


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
    clear_cache()
    started = time.perf_counter()
    _grade_unexplained(0)
    cold_unexplained_ms = (time.perf_counter() - started) * 1000
    unexplained = [_grade_unexplained(i) for i in range(max(3, light // 3))]
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
        "unexplained_cold_ms": cold_unexplained_ms,
        "unexplained_p50_ms": statistics.median(t for t, _ in unexplained),
        "search_warm_p50_ms": statistics.median(s for _, s in unexplained),
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
    print(
        f"a wrong answer nothing explains ({len(unexplained)} sequential; the whole search, "
        f"probes and smallest failing case): p50 {result['unexplained_p50_ms']:.1f} ms "
        f"(the first, predictions not cached: {result['unexplained_cold_ms']:.1f} ms); "
        f"the search alone, predictions cached: p50 {result['search_warm_p50_ms']:.1f} ms"
    )
    return result
