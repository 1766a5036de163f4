"""Turning a timing into a speed score, and the gates a timing must pass (outside the
sandbox; the times come from the harness, ``gpu_timing.py``).

The performance score is ``min(1, t_reference / t_candidate)``: matching or beating
cuDNN scores 1, half its speed 0.5; slower than ``FLOOR_RATIO`` (20 times slower) scores
0. It is reported beside the correctness score, never mixed into it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from grader.engine.gpu_telemetry import unknown_telemetry
from grader.engine.gpu_timing import bandwidth, median

FLOOR_RATIO = 0.05
# Faster than the measured copy bandwidth by more than this: not physically possible
# (the data came from L2 or a cache, or the timer lied).
ROOFLINE_TOLERANCE = 1.05
# KernelBench's threshold: a batch norm ten times faster than cuDNN is a bug or a trick
# until a person has looked at it.
REVIEW_SPEEDUP = 10.0
NOT_MEASURED_CPU = "speed not measured: graded on a CPU worker"
NOT_MEASURED_FAKE = (
    "speed not measured: graded on a fake GPU worker (GRADER_FAKE_GPU), on CPU tensors"
)
NOT_MEASURED_FAILED = "speed not measured: the submission did not pass every correctness check"
NOT_MEASURED_SAMPLE = "speed not measured: sample tests only"
NOT_MEASURED_NO_TIMING = "speed not measured: this problem is not timed yet"
# A Triton problem graded on a CPU worker: its kernels ran in Triton's interpreter.
INTERPRETED_CORRECT = "correct on the CPU interpreter; speed not measured: no GPU"
INTERPRETED = "graded on the CPU interpreter; speed not measured: no GPU"

SCORED = "scored"
REJECTED = "rejected"
HELD_FOR_REVIEW = "held_for_review"
NOT_MEASURED = "not_measured"


def spread(values: Sequence[float]) -> dict:
    """Median, extremes and quartiles of run times (ms); ``relative_iqr`` is the
    interquartile range over the median (0.02: the middle half of the runs within 2%)."""
    ordered = sorted(float(v) for v in values)
    mid = median(ordered)
    half = len(ordered) // 2
    lower, upper = ordered[: max(half, 1)], ordered[-max(half, 1) :]
    q1, q3 = median(lower), median(upper)
    return {
        "median_ms": round(mid, 4),
        "min_ms": round(ordered[0], 4),
        "max_ms": round(ordered[-1], 4),
        "q1_ms": round(q1, 4),
        "q3_ms": round(q3, 4),
        "relative_iqr": round((q3 - q1) / mid, 4) if mid > 0 else None,
    }


def agreement(medians: Sequence[float]) -> float:
    """How far repeated measurements disagree: ``(max - min) / median`` of their medians."""
    values = [float(v) for v in medians]
    return (max(values) - min(values)) / median(values)


def perf_score(reference_s: float, candidate_s: float, floor_ratio: float = FLOOR_RATIO) -> float:
    """``min(1, reference / candidate)``, and 0 below ``floor_ratio`` (module docstring)."""
    if not (reference_s > 0 and candidate_s > 0):
        raise ValueError("times must be positive")
    ratio = reference_s / candidate_s
    return 0.0 if ratio < floor_ratio else round(min(1.0, ratio), 4)


def not_measured(note: str, status: str = NOT_MEASURED) -> dict:
    return {"measured": False, "status": status, "note": note}


def speed_status(speed_ratio: float, achieved_bytes_per_s: float, peak_bytes_per_s: float):
    """(status, note) of a measured time: the roofline gate, then the review gate."""
    if peak_bytes_per_s > 0 and achieved_bytes_per_s > ROOFLINE_TOLERANCE * peak_bytes_per_s:
        return REJECTED, (
            f"timing rejected: {achieved_bytes_per_s / 1e9:.0f} GB/s is more than the card's "
            f"measured {peak_bytes_per_s / 1e9:.0f} GB/s allows (data kept in cache or a broken "
            "timer); no performance score"
        )
    if speed_ratio > REVIEW_SPEEDUP:
        return HELD_FOR_REVIEW, (
            f"held for review: {speed_ratio:.1f}x the speed of cuDNN is more than "
            f"{REVIEW_SPEEDUP:.0f}x; the performance score waits for a reviewer"
        )
    return SCORED, ""


def speed_report(timing: dict, telemetry: dict | None = None) -> dict:
    """The report's ``speed`` entry from the raw numbers the sandbox sent back.

    ``timing``: ``reference_ms`` and ``candidate_ms`` (lists of run times), ``bytes_moved``,
    ``peak_bytes_per_s`` (the measured copy bandwidth) and ``device_name``; ``telemetry``:
    the card's temperature and clocks before and after (``read_telemetry``). Every value
    is checked: it came out of the sandbox."""
    ref = [float(v) for v in timing["reference_ms"]]
    cand = [float(v) for v in timing["candidate_ms"]]
    if not ref or not cand or not all(math.isfinite(v) and v > 0 for v in ref + cand):
        raise ValueError("timings must be positive numbers")
    ref_s, cand_s = median(ref) / 1000, median(cand) / 1000
    moved = float(timing["bytes_moved"])
    peak = float(timing["peak_bytes_per_s"])
    if not (math.isfinite(moved) and moved > 0 and math.isfinite(peak) and peak > 0):
        raise ValueError("bytes moved and peak bandwidth must be positive numbers")
    achieved = bandwidth(moved, cand_s)
    ratio = ref_s / cand_s
    status, gate_note = speed_status(ratio, achieved, peak)
    summary = (
        f"{ratio:.2f}x the speed of cuDNN; "
        f"{achieved / 1e9:.0f} GB/s of the card's measured {peak / 1e9:.0f} GB/s"
    )
    return {
        "measured": True,
        "status": status,
        "device": str(timing.get("device_name", ""))[:100],
        "reference": "torch.nn.functional.batch_norm (cuDNN)",
        "reference_ms": round(ref_s * 1000, 4),
        "candidate_ms": round(cand_s * 1000, 4),
        "reference_spread": spread(ref),
        "candidate_spread": spread(cand),
        "speed_ratio": round(ratio, 4),
        "bandwidth_gb_s": round(achieved / 1e9, 2),
        "peak_bandwidth_gb_s": round(peak / 1e9, 2),
        "bandwidth_fraction": round(achieved / peak, 4),
        "runs": len(cand),
        "score": perf_score(ref_s, cand_s) if status == SCORED else None,
        "telemetry": telemetry or {"before": unknown_telemetry(), "after": unknown_telemetry()},
        "note": f"{summary}; {gate_note}" if gate_note else summary,
    }
