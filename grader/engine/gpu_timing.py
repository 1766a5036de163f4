"""Timing a candidate's GPU code against the library, and turning times into a score.

Standalone on purpose: the sandbox's zygote loads this file by path (it imports nothing
of the project; torch only inside the functions that time). The pure functions at the
top (``median``, ``bandwidth``, ``perf_score``, ``speed_report``) are what the engine uses
outside the sandbox, and what the tests check without a GPU.

Method (``time_cuda``): CUDA events around each run, ``warmup`` untimed runs first, then
``runs`` timed runs, each preceded by writing a buffer four times the L2 cache (so no run
finds its input in L2), and the median of the timed runs. Bandwidth is the bytes the
operation must move at least (``bytes_factor`` times the input's size: the problem says
which passes it counts) over the median time, beside the card's measured bandwidth (a
device-to-device copy timed the same way, in the same process, before the candidate's
code is loaded).

The performance score is ``min(1, t_reference / t_candidate)``: matching or beating
cuDNN scores 1, half its speed 0.5; slower than ``FLOOR_RATIO`` (20 times slower) scores
0. It is reported beside the correctness score, never mixed into it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

FLOOR_RATIO = 0.05
NOT_MEASURED_CPU = "speed not measured: graded on a CPU worker"
NOT_MEASURED_FAKE = (
    "speed not measured: graded on a fake GPU worker (GRADER_FAKE_GPU), on CPU tensors"
)
NOT_MEASURED_FAILED = "speed not measured: the submission did not pass every correctness check"
NOT_MEASURED_SAMPLE = "speed not measured: sample tests only"


def median(values: Sequence[float]) -> float:
    """The median of ``values`` (the mean of the middle two for an even count)."""
    ordered = sorted(float(v) for v in values)
    if not ordered:
        raise ValueError("median of no values")
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def bandwidth(bytes_moved: float, seconds: float) -> float:
    """Achieved bandwidth in bytes per second."""
    if not seconds > 0:
        raise ValueError(f"time must be positive, got {seconds}")
    return bytes_moved / seconds


def perf_score(reference_s: float, candidate_s: float, floor_ratio: float = FLOOR_RATIO) -> float:
    """``min(1, reference / candidate)``, and 0 below ``floor_ratio`` (module docstring)."""
    if not (reference_s > 0 and candidate_s > 0):
        raise ValueError("times must be positive")
    ratio = reference_s / candidate_s
    return 0.0 if ratio < floor_ratio else round(min(1.0, ratio), 4)


def not_measured(note: str) -> dict:
    return {"measured": False, "note": note}


def speed_report(timing: dict) -> dict:
    """The report's ``speed`` entry from the raw numbers the sandbox sent back.

    ``timing``: ``reference_ms`` and ``candidate_ms`` (lists of run times), ``bytes_moved``,
    ``peak_bytes_per_s`` (the measured copy bandwidth) and ``device_name``. Every value is
    checked: it came out of the sandbox."""
    ref = [float(v) for v in timing["reference_ms"]]
    cand = [float(v) for v in timing["candidate_ms"]]
    if not ref or not cand or not all(math.isfinite(v) and v > 0 for v in ref + cand):
        raise ValueError("timings must be positive numbers")
    ref_s, cand_s = median(ref) / 1000, median(cand) / 1000
    moved = float(timing["bytes_moved"])
    peak = float(timing["peak_bytes_per_s"])
    achieved = bandwidth(moved, cand_s)
    return {
        "measured": True,
        "device": str(timing.get("device_name", ""))[:100],
        "reference": "torch.nn.functional.batch_norm (cuDNN)",
        "reference_ms": round(ref_s * 1000, 4),
        "candidate_ms": round(cand_s * 1000, 4),
        "speed_ratio": round(ref_s / cand_s, 4),
        "bandwidth_gb_s": round(achieved / 1e9, 2),
        "peak_bandwidth_gb_s": round(peak / 1e9, 2),
        "bandwidth_fraction": round(achieved / peak, 4) if peak > 0 else None,
        "runs": len(cand),
        "score": perf_score(ref_s, cand_s),
        "note": (
            f"{ref_s / cand_s:.2f}x the speed of cuDNN; "
            f"{achieved / 1e9:.0f} GB/s of the card's measured {peak / 1e9:.0f} GB/s"
        ),
    }


# --------------------------------------------------------------------------- on the GPU


def flush_buffer(device: str):
    """A buffer four times the L2 cache (at least 64 MiB), written between timed runs."""
    import torch

    props = torch.cuda.get_device_properties(device)
    l2 = int(getattr(props, "L2_cache_size", 0) or 50 * 2**20)
    return torch.empty(max(4 * l2, 64 * 2**20) // 4, dtype=torch.float32, device=device)


def time_cuda(
    fn: Callable[[], object], *, warmup: int = 5, runs: int = 20, flush=None
) -> list[float]:
    """Milliseconds of each of ``runs`` timed calls of ``fn`` (after ``warmup`` calls),
    with CUDA events, the L2 flushed (``flush.zero_()``) before each run."""
    import torch

    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(runs)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(runs)]
    for start, end in zip(starts, ends, strict=True):
        if flush is not None:
            flush.zero_()
        start.record()
        fn()
        end.record()
    torch.cuda.synchronize()
    return [start.elapsed_time(end) for start, end in zip(starts, ends, strict=True)]


def measure_copy_bandwidth(device: str, nbytes: int = 512 * 2**20, runs: int = 10) -> float:
    """The card's device-to-device copy bandwidth in bytes/s (read + write counted)."""
    import torch

    src = torch.empty(nbytes // 4, dtype=torch.float32, device=device)
    dst = torch.empty_like(src)
    times = time_cuda(lambda: dst.copy_(src), warmup=3, runs=runs)
    return bandwidth(2 * nbytes, median(times) / 1000)


def timing_inputs(spec: dict, device: str) -> dict:
    """Inputs of the timed call: random values of the problem's timing shape on ``device``."""
    import torch

    dtype = getattr(torch, spec["dtype"])
    shape = tuple(spec["shape"])
    c = shape[1]
    generator = torch.Generator(device=device).manual_seed(7)

    def randn(*size):
        return torch.randn(*size, generator=generator, device=device, dtype=dtype)

    return {
        "x": randn(*shape),
        "weight": randn(c).abs() + 0.5,
        "bias": randn(c),
        "running_mean": randn(c) * 0.5,
        "running_var": randn(c).abs() + 0.5,
    }


def reference_call(spec: dict, inputs: dict) -> Callable[[], object]:
    """The library's version of the timed operation (cuDNN batch norm)."""
    import torch.nn.functional as F

    batch_norm, relu = F.batch_norm, F.relu  # bound now: the candidate's code comes later
    i = inputs
    if spec["kind"] == "batch_norm_train":
        rm, rv = i["running_mean"].clone(), i["running_var"].clone()
        return lambda: batch_norm(i["x"], rm, rv, i["weight"], i["bias"], True, 0.1, 1e-5)
    if spec["kind"] == "batch_norm_relu_eval":
        return lambda: relu(
            batch_norm(
                i["x"],
                i["running_mean"],
                i["running_var"],
                i["weight"],
                i["bias"],
                False,
                0.1,
                1e-5,
            )
        )
    raise ValueError(f"unknown timing kind {spec['kind']!r}")


def candidate_call(spec: dict, fn: Callable, inputs: dict) -> Callable[[], object]:
    """The candidate's function on the same inputs, as the problem's contract calls it."""
    i = inputs
    if spec["kind"] == "batch_norm_train":
        rm, rv = i["running_mean"].clone(), i["running_var"].clone()
        return lambda: fn(i["x"], i["weight"], i["bias"], rm, rv)
    if spec["kind"] == "batch_norm_relu_eval":
        return lambda: fn(i["x"], i["weight"], i["bias"], i["running_mean"], i["running_var"])
    raise ValueError(f"unknown timing kind {spec['kind']!r}")
