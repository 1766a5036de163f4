"""Grading the tensor (GPU) problems: the candidate's functions get torch tensors.

The same pipeline as the NumPy problems (``engine.evaluate`` turns what came back into
checks, a verdict and a diagnosis), with four differences: a static check refuses the
library's batch norm, lower precision and what only the timing harness may touch (timers,
streams, threads, introspection) before anything runs; the job runs in the tensor zygote
on the worker's device; the large hidden tests run only on a real GPU; and on a GPU an
accepted submission is also timed against the library (cuDNN; torch's composition for
RMSNorm: ``gpu_timing``, ``gpu_timing_kinds``) after a cool-down, with
the card's temperature and clocks recorded, giving a performance score beside the
correctness score (or a rejection, or a hold for review). Elsewhere the report says why
speed was not measured.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import time
import tokenize

from grader.engine import gpu_speed, gpu_telemetry, gpu_timing
from grader.engine.devices import CUDA_DEVICE, FAKE_GPU_DEVICE
from grader.engine.judging import decode_source, evaluate, run_job
from grader.engine.problems import Problem
from grader.engine.problems.base import cases_job
from grader.engine.report import ACCEPTED, INVALID_SUBMISSION, Report
from grader.engine.sandbox import (
    HIRING,
    RunResult,
    SandboxPool,
    get_tensor_pool,
    libcuda_dir,
)

logger = logging.getLogger(__name__)


# Lower precision than the problem's float32/float64 (the contracts require it).
PRECISION_DOWNGRADES = (
    "half",
    "float16",
    "bfloat16",
    "autocast",
    "allow_tf32",
    "allow_fp16_reduced_precision_reduction",
    "allow_bf16_reduced_precision_reduction",
    "set_float32_matmul_precision",
    "float8_e4m3fn",
    "float8_e5m2",
)
# What only the timing harness may touch: its clock and events, other streams, threads
# (work left running after the timed call) and the means to reach into the harness.
HARNESS_ONLY = (
    "Event",
    "elapsed_time",
    "perf_counter",
    "perf_counter_ns",
    "Stream",
    "ExternalStream",
    "stream",
    "set_stream",
    "threading",
    "_thread",
    "multiprocessing",
    "concurrent",
    "ctypes",
    "gc",
    "inspect",
    "_getframe",
    "settrace",
    "setprofile",
    "TorchFunctionMode",
    "TorchDispatchMode",
    "__torch_function__",
    "__torch_dispatch__",
    "__import__",
    "importlib",
)
_STATIC_MESSAGES = {
    "library": "this problem asks you to write {what} yourself, without the library's "
    "{what} or another normalization layer.",
    "precision": "this problem requires the inputs' precision (float32 or float64); half, "
    "bfloat16, TF32 and autocast are not allowed.",
    "harness": "timers, events, streams, threads and introspection are reserved for the "
    "grader's timing harness.",
}


def static_check(
    source: str, library_names: tuple[str, ...], what: str = "batch norm"
) -> str | None:
    """Why ``source`` is refused before it runs (the first offending name), or ``None``."""
    rules = (
        ("library", library_names),
        ("precision", PRECISION_DOWNGRADES),
        ("harness", HARNESS_ONLY),
    )
    hits = []
    for rule, names in rules:
        hits += [(line, name, rule) for name, line in forbidden_names(source, names)]
    if not hits:
        return None
    line, name, rule = min(hits)
    return f"Line {line} uses {name}: {_STATIC_MESSAGES[rule].format(what=what)}"


# The library's time and the card's bandwidth, measured outside the sandbox, are reused
# for this long (a measurement costs a CUDA start and heats the card).
BASELINE_MAX_AGE_S = 600.0
_baselines: dict[str, tuple[float, dict]] = {}


def _baseline_in_subprocess(spec: dict) -> dict:
    done = subprocess.run(
        [sys.executable, gpu_timing.__file__, "baseline", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def trusted_baseline(spec: dict, measure=_baseline_in_subprocess) -> dict | None:
    """The card's copy bandwidth and the library's times for ``spec`` from a process that
    never runs a candidate's code (cached ``BASELINE_MAX_AGE_S``), or ``None`` when it
    could not be measured (the job's own measurement is used then)."""
    key = json.dumps(spec, sort_keys=True)
    cached = _baselines.get(key)
    if cached and time.monotonic() - cached[0] < BASELINE_MAX_AGE_S:
        return cached[1]
    try:
        baseline = measure(spec)
        gpu_speed.speed_report({**baseline, "candidate_ms": baseline["reference_ms"]})
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError, IndexError):
        logger.exception("the trusted GPU baseline could not be measured")
        return None
    _baselines[key] = (time.monotonic(), baseline)
    return baseline


def forbidden_names(source: str, names: tuple[str, ...]) -> list[tuple[str, int]]:
    """(name, line) of each forbidden identifier the code uses; comments and strings
    do not count. The sandbox also makes these raise, for code that builds the name."""
    wanted = set(names)
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NAME and token.string in wanted:
                found.append((token.string, token.start[0]))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # the sandbox reports the syntax error itself
    return found


def _extra(problem: Problem, device: str, speed: dict) -> dict:
    return {
        "placement": problem.placement,
        "device": device,
        "speed": speed,
        "performance_score": speed.get("score")
        if speed.get("status") == gpu_speed.SCORED
        else None,
    }


def grade_tensor_problem(
    problem: Problem,
    source: str | bytes,
    public_only: bool,
    device: str,
    pool: SandboxPool | None = None,
    *,
    purpose: str = HIRING,
) -> Report:
    on_gpu = device == CUDA_DEVICE
    job_device = CUDA_DEVICE if on_gpu else "cpu"
    if pool is None or pool.runtime != "torch":  # a caller's NumPy pool cannot run tensors
        pool = get_tensor_pool(job_device, purpose=purpose)
    if on_gpu and problem.timing is None:
        speed = gpu_speed.not_measured(gpu_speed.NOT_MEASURED_NO_TIMING)
    elif on_gpu:
        speed = gpu_speed.not_measured(gpu_speed.NOT_MEASURED_SAMPLE) if public_only else {}
    else:
        speed = gpu_speed.not_measured(
            gpu_speed.NOT_MEASURED_FAKE if device == FAKE_GPU_DEVICE else gpu_speed.NOT_MEASURED_CPU
        )
    text, problem_text = decode_source(source, pool.config.source_bytes)
    if text is None:
        report = Report(problem.slug, INVALID_SUBMISSION, 0.0, message=problem_text)
        report.extra = _extra(
            problem, device, speed or gpu_speed.not_measured(gpu_speed.NOT_MEASURED_FAILED)
        )
        return report
    what = "RMSNorm" if "rms_norm" in problem.forbidden else "batch norm"
    refusal = static_check(text, problem.forbidden, what)
    if refusal:
        report = Report(problem.slug, INVALID_SUBMISSION, 0.0, message=refusal)
        report.extra = _extra(
            problem, device, gpu_speed.not_measured(gpu_speed.NOT_MEASURED_FAILED)
        )
        return report

    cases = problem.cases(public_only=public_only, gpu=on_gpu)
    env = {"HOME": "/tmp", "TRITON_CACHE_DIR": "/tmp/triton", "PATH": "/usr/bin:/bin"}
    interpreted = problem.interpreter and not on_gpu
    if interpreted:
        # Set before the candidate's file runs: @triton.jit reads it when it decorates.
        env["TRITON_INTERPRET"] = "1"
    if on_gpu and libcuda_dir():
        env["TRITON_LIBCUDA_PATH"] = libcuda_dir()
    header, arrays = cases_job(text, problem.function_names, cases)
    header |= {
        "runtime": "torch",
        "device": job_device,
        "forbidden": list(problem.forbidden),
        "timing": _timing_spec(problem, device) if not public_only else None,
        "env": env,
    }
    baseline = trusted_baseline(problem.timing) if header["timing"] and on_gpu else None
    before = gpu_telemetry.cool_down() if header["timing"] and on_gpu else None
    run, failed = run_job(problem, pool, header, arrays)
    if failed is not None:
        return failed
    report = evaluate(problem, cases, run, pool.config.cpu_s)
    if not speed:
        telemetry = {"before": before, "after": gpu_telemetry.read_telemetry()} if before else None
        speed = measured_speed(report.verdict, run, telemetry, baseline)
    elif header["timing"] and report.verdict == ACCEPTED:
        # The fake GPU times on CPU tensors: never a speed, but the harness's rejections
        # (a patched timer, replayed work) are the report's as on a card.
        judged = measured_speed(report.verdict, run)
        if judged["status"] == gpu_speed.REJECTED:
            speed = judged
    # (The fake GPU keeps its own note: it stands in for a card in the worker's tests.)
    if interpreted and device != FAKE_GPU_DEVICE and speed.get("status") != gpu_speed.REJECTED:
        note = (
            gpu_speed.INTERPRETED_CORRECT if report.verdict == ACCEPTED else gpu_speed.INTERPRETED
        )
        speed = gpu_speed.not_measured(note)
    report.extra = _extra(problem, device, speed)
    if speed.get("status") != gpu_speed.SCORED and not public_only:
        report.message = f"{report.message} ({speed['note']}.)".strip()
    return report


# The fake GPU's timing shape: the harness's rules do not depend on the size, and CPU
# tensors of the card's shape would take minutes.
FAKE_TIMING_SHAPE = [4, 8, 6, 6]
# The same for the row-wise problems (RMSNorm): a few rows of an odd width.
FAKE_ROWS_TIMING_SHAPE = [6, 40]


def _timing_spec(problem: Problem, device: str) -> dict | None:
    """What the job times: the problem's timing on a card, a small one on the fake GPU."""
    if problem.timing is None or device not in (CUDA_DEVICE, FAKE_GPU_DEVICE):
        return None
    if device == FAKE_GPU_DEVICE:
        rows = len(problem.timing["shape"]) == 2
        return {**problem.timing, "shape": FAKE_ROWS_TIMING_SHAPE if rows else FAKE_TIMING_SHAPE}
    return problem.timing


def measured_speed(
    verdict: str, run: RunResult, telemetry: dict | None = None, baseline: dict | None = None
) -> dict:
    """The report's ``speed`` from a GPU job: the harness's rejection, or the times through
    ``gpu_speed.speed_report``'s gates. With a ``baseline`` (``trusted_baseline``) only the
    candidate's times are taken from the job: the library's time, the card's bandwidth and
    the bytes moved cannot be forged by the submission."""
    if verdict != ACCEPTED:
        return gpu_speed.not_measured(gpu_speed.NOT_MEASURED_FAILED)
    timings = [h for h, _ in run.messages if h.get("phase") == "timing"]
    if len(timings) > 1:
        return gpu_speed.not_measured(
            "timing rejected: more than one timing report came back (the submission wrote "
            "to the job's result channel)",
            gpu_speed.REJECTED,
        )
    timing = timings[0] if timings else None
    if timing is None:
        return gpu_speed.not_measured("speed not measured: the timing run did not report")
    if baseline is not None and "error" not in timing:
        trusted = ("peak_bytes_per_s", "reference_ms", "bytes_moved", "device_name")
        timing = {**timing, **{key: baseline[key] for key in trusted}}
    if "error" in timing:
        error = timing["error"] if isinstance(timing["error"], dict) else {}
        if error.get("type") == "ReferenceTimingFailed":
            return gpu_speed.not_measured(
                "speed not measured: the library's own timing failed on this run "
                f"({str(error.get('message', ''))[:200]}); grade it again to measure the speed"
            )
        if error.get("type") == "TimingRejected":
            return gpu_speed.not_measured(
                f"timing rejected: {str(error.get('message', ''))[:300]}", gpu_speed.REJECTED
            )
        return gpu_speed.not_measured(
            f"speed not measured: the timed run raised {str(error.get('type', 'an error'))[:80]}"
        )
    try:
        # The only clock outside the job: the reported runs cannot add up to more time
        # than the whole job took.
        claimed_s = sum(float(ms) for ms in timing["candidate_ms"]) / 1000
        if run.wall_s and claimed_s > run.wall_s:
            return gpu_speed.not_measured(
                f"timing rejected: the reported runs add up to {claimed_s:.3f} s, longer than "
                f"the whole job ran ({run.wall_s:.3f} s, measured outside it)",
                gpu_speed.REJECTED,
            )
        return gpu_speed.speed_report(timing, telemetry)
    except (KeyError, TypeError, ValueError) as exc:
        return gpu_speed.not_measured(f"speed not measured: unusable timings ({exc})"[:200])
