"""Every GPU figure of docs/benchmarks.md ("GPU"), in one run on a host with an NVIDIA GPU.

    scripts/gpu_measure.sh            # or: .venv/bin/python scripts/gpu_measure.py

Prints one JSON object per line, then a summary; exits 2 with one line when there is no
CUDA GPU (nothing is measured, nothing is made up):

- ``machine``: the card, driver, torch / CUDA / Triton versions, the device files the
  sandbox adds, the card's temperature and clocks;
- ``grade``: a correct, a wrong and a slow submission (tests/grader/submissions/gpu/) of
  each GPU problem (a correct and a wrong one of each Triton kernel problem) graded by the
  engine in the bubblewrap sandbox on the GPU: verdict, score, the timing's status,
  medians, spread, bandwidth, performance score, wall time;
- ``repeatability``: the correct bn-forward-cuda timed three times, and how far the three
  medians disagree (the issue asks for 5%);
- ``reference_bandwidth``: normcore's batch norm (through PyTorch CUDA tensors) and cuDNN's
  on (64, 256, 56, 56) float32, training, against the card's measured copy bandwidth (the
  issue asks for 70%);
- ``kernel_baseline``: for each RMSNorm kernel problem, the library's side of its timing
  (torch's composition; autograd of it for the backward) on the problem's timing shape,
  measured as the grader's trusted baseline is: median, spread, bandwidth by the bytes the
  roofline gate counts, against the card's copy bandwidth;
- ``startup``: what a CUDA job costs before it computes anything: CUDA's initialization in
  a fresh process, and a sandboxed sample-only grading job, cold and warm.
"""

from __future__ import annotations

import glob
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SUBMISSIONS = ROOT / "tests" / "grader" / "submissions" / "gpu"
PROBLEMS = {"bn-forward-cuda": "bn_forward_cuda", "bn-relu-triton": "bn_relu_triton"}
# The LLM kernel problems: a correct and a wrong Triton kernel each, graded and timed on the
# card against torch's composition (gpu_timing_kinds.py).
KERNELS = {
    "add-rmsnorm-triton": "add_rmsnorm_triton",
    "rmsnorm-backward-triton": "rmsnorm_backward_triton",
}
SHAPE = (64, 256, 56, 56)
REPEATS = 3


def emit(kind: str, **fields) -> dict:
    print(json.dumps({"figure": kind, **fields}), flush=True)
    return fields


def machine() -> dict:
    import torch

    from grader.engine import gpu_telemetry

    try:
        import triton

        triton_version = triton.__version__
    except ImportError:
        triton_version = None
    smi = subprocess.run(
        ["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    from grader.engine.config import GraderConfig
    from grader.engine.sandbox import bwrap_command, tensor_config

    command = bwrap_command(tensor_config(GraderConfig(), "cuda"), "torch", "cuda")
    device_binds = [command[i + 1] for i, arg in enumerate(command) if arg == "--dev-bind-try"]
    props = torch.cuda.get_device_properties(0)
    return emit(
        "machine",
        device=torch.cuda.get_device_name(0),
        nvidia_smi=smi,
        compute_capability=f"{props.major}.{props.minor}",
        l2_mib=round(getattr(props, "L2_cache_size", 0) / 2**20, 1),
        torch=torch.__version__,
        cuda=torch.version.cuda,
        triton=triton_version,
        host_device_files=sorted(glob.glob("/dev/nvidia*")),
        sandbox_device_binds=device_binds,
        telemetry=gpu_telemetry.read_telemetry(),
    )


def grade(slug: str, kind: str) -> dict:
    from grader.engine import CUDA_DEVICE, grade_submission

    source = (SUBMISSIONS / f"{(PROBLEMS | KERNELS)[slug]}_{kind}.py").read_text()
    started = time.perf_counter()
    report = grade_submission(slug, source, device=CUDA_DEVICE).to_dict()
    speed = report.get("speed", {})
    return emit(
        "grade",
        problem=slug,
        submission=kind,
        verdict=report["verdict"],
        score=report["score"],
        wall_s=round(time.perf_counter() - started, 2),
        speed_status=speed.get("status"),
        candidate_ms=speed.get("candidate_ms"),
        reference_ms=speed.get("reference_ms"),
        candidate_spread=speed.get("candidate_spread"),
        speed_ratio=speed.get("speed_ratio"),
        bandwidth_gb_s=speed.get("bandwidth_gb_s"),
        peak_bandwidth_gb_s=speed.get("peak_bandwidth_gb_s"),
        performance_score=report.get("performance_score"),
        telemetry=speed.get("telemetry"),
        note=speed.get("note"),
        message=report.get("message", "")[:300],
    )


def repeatability(first: dict) -> dict:
    runs = [first] + [grade("bn-forward-cuda", "correct") for _ in range(REPEATS - 1)]
    from grader.engine import gpu_speed

    candidate = [r["candidate_ms"] for r in runs]
    reference = [r["reference_ms"] for r in runs]
    if None in candidate or None in reference:
        return emit("repeatability", error="a run was not timed", runs=candidate)
    spread = gpu_speed.agreement(candidate)
    return emit(
        "repeatability",
        candidate_medians_ms=candidate,
        reference_medians_ms=reference,
        candidate_disagreement=round(spread, 4),
        reference_disagreement=round(gpu_speed.agreement(reference), 4),
        within_5_percent=spread <= 0.05,
    )


def reference_bandwidth() -> dict:
    import torch

    import normcore.functional as nc
    from grader.engine import gpu_speed, gpu_timing

    x = torch.randn(*SHAPE, device="cuda")
    c = SHAPE[1]
    weight, bias = torch.rand(c, device="cuda") + 0.5, torch.randn(c, device="cuda")
    mean, var = torch.zeros(c, device="cuda"), torch.ones(c, device="cuda")
    flush = gpu_timing.flush_buffer("cuda")
    copy = gpu_timing.measure_copy_bandwidth("cuda")
    moved = 3 * x.numel() * x.element_size()  # the statistics read x, normalizing reads and writes

    def normcore_bn():
        nc.batch_norm(x, mean.clone(), var.clone(), weight=weight, bias=bias, training=True)

    def cudnn_bn():
        torch.nn.functional.batch_norm(x, mean.clone(), var.clone(), weight, bias, True)

    figures = {}
    for name, fn in (("normcore", normcore_bn), ("cudnn", cudnn_bn)):
        times = gpu_timing.time_cuda(fn, flush=flush)
        achieved = gpu_timing.bandwidth(moved, gpu_timing.median(times) / 1000)
        figures[name] = {
            **gpu_speed.spread(times),
            "bandwidth_gb_s": round(achieved / 1e9, 1),
            "fraction_of_copy": round(achieved / copy, 3),
        }
    return emit(
        "reference_bandwidth",
        shape=list(SHAPE),
        dtype="float32",
        copy_bandwidth_gb_s=round(copy / 1e9, 1),
        bytes_counted=moved,
        **figures,
        normcore_reaches_70_percent=figures["normcore"]["fraction_of_copy"] >= 0.70,
    )


def kernel_baseline(slug: str) -> dict:
    from grader.engine import gpu_speed, gpu_timing
    from grader.engine.problems import get_problem

    spec = get_problem(slug).timing
    measured = gpu_timing.measure_baseline(spec)
    achieved = gpu_timing.bandwidth(
        measured["bytes_moved"], gpu_timing.median(measured["reference_ms"]) / 1000
    )
    return emit(
        "kernel_baseline",
        problem=slug,
        kind=spec["kind"],
        shape=spec["shape"],
        dtype=spec["dtype"],
        bytes_counted=measured["bytes_moved"],
        library=gpu_speed.spread(measured["reference_ms"]),
        bandwidth_gb_s=round(achieved / 1e9, 1),
        copy_bandwidth_gb_s=round(measured["peak_bytes_per_s"] / 1e9, 1),
        fraction_of_copy=round(achieved / measured["peak_bytes_per_s"], 3),
    )


def startup() -> dict:
    from grader.engine import CUDA_DEVICE, grade_submission

    def fresh(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - started

    import_only = fresh("import torch")
    with_cuda = fresh("import torch; torch.zeros(1, device='cuda'); torch.cuda.synchronize()")
    source = (SUBMISSIONS / "bn_forward_cuda_correct.py").read_text()
    jobs = []
    for _ in range(3):  # the first starts the tensor zygote; the others reuse it
        started = time.perf_counter()
        grade_submission("bn-forward-cuda", source, public_only=True, device=CUDA_DEVICE)
        jobs.append(round(time.perf_counter() - started, 3))
    return emit(
        "startup",
        python_import_torch_s=round(import_only, 3),
        python_import_torch_and_init_cuda_s=round(with_cuda, 3),
        cuda_init_s=round(with_cuda - import_only, 3),
        sandboxed_sample_job_s={"cold": jobs[0], "warm": jobs[1:]},
    )


def main() -> int:
    try:
        import torch
    except ImportError:
        print("gpu-measure: torch is not installed; nothing measured", file=sys.stderr)
        return 2
    if not torch.cuda.is_available():
        print("gpu-measure: no CUDA GPU on this machine; nothing measured", file=sys.stderr)
        return 2
    machine()
    graded = {(s, k): grade(s, k) for s in PROBLEMS for k in ("correct", "wrong", "slow")}
    graded |= {(s, k): grade(s, k) for s in KERNELS for k in ("correct", "wrong")}
    repeat = repeatability(graded[("bn-forward-cuda", "correct")])
    bandwidth = reference_bandwidth()
    for slug in KERNELS:
        kernel_baseline(slug)
    start = startup()
    expected = {"correct": "accepted", "wrong": "wrong_answer", "slow": "accepted"}
    emit(
        "summary",
        verdicts_as_expected=all(g["verdict"] == expected[k] for (_, k), g in graded.items()),
        slow_scored_below_correct=all(
            (graded[(s, "slow")]["performance_score"] or 0)
            < (graded[(s, "correct")]["performance_score"] or 0)
            for s in PROBLEMS
        ),
        kernels_timed=all(graded[(s, "correct")]["candidate_ms"] is not None for s in KERNELS),
        timing_within_5_percent=repeat.get("within_5_percent"),
        normcore_reaches_70_percent=bandwidth["normcore_reaches_70_percent"],
        cuda_init_s=start["cuda_init_s"],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
