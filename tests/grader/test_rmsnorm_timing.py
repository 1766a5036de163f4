"""The RMSNorm kernel problems are timed as bn-forward-cuda is (``gpu_timing`` with the
kinds of ``gpu_timing_kinds``): against torch's own composition (autograd of it for the
backward), by the same rules, so the same exploits are caught; on the fake GPU through the
sandbox, never scored; on the CPU interpreter, not timed at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.engine import FAKE_GPU_DEVICE, gpu_grading, gpu_speed, grade_submission
from grader.engine.config import GraderConfig
from grader.engine.problems import get_problem
from grader.engine.sandbox import SandboxPool, tensor_config
from tests.grader.gpu_helpers import exploit, time_in_child

pytest.importorskip("torch")

RUNS = 3
GPU_SUBMISSIONS = Path(__file__).parent / "submissions" / "gpu"
ADD_SPEC = {"kind": "add_rms_norm", "shape": [6, 40], "dtype": "float32", "bytes_factor": 4}
BACKWARD_SPEC = {**ADD_SPEC, "kind": "rms_norm_backward", "bytes_factor": 3}

# Correct with torch tensor operations (what a fake GPU worker's CPU tensors run fast).
GOOD_ADD_RMS = """import torch


def add_rmsnorm(x, residual, weight, eps=1e-6):
    h = x + residual
    return h * torch.rsqrt((h * h).mean(-1, keepdim=True) + eps) * weight, h
"""
GOOD_RMS_BACKWARD = """import torch


def rmsnorm_backward(dy, x, weight, eps=1e-6):
    rstd = torch.rsqrt((x * x).mean(-1, keepdim=True) + eps)
    xhat = x * rstd
    g = dy * weight
    dx = rstd * (g - xhat * (g * xhat).mean(-1, keepdim=True))
    return dx, (dy * xhat).reshape(-1, x.shape[-1]).sum(0)
"""
# dweight summed from raw x (one of the problem's named mistakes).
WRONG_RMS_BACKWARD = GOOD_RMS_BACKWARD.replace("(dy * xhat).reshape", "(dy * x).reshape")


@pytest.fixture(scope="module")
def tensor_pool():
    pool = SandboxPool(
        tensor_config(GraderConfig(pool_size=1, uid_base=655000), "cpu"), runtime="torch"
    )
    yield pool
    pool.close()


def test_both_problems_are_timed_with_a_library_baseline_and_bytes_to_gate_by():
    for slug, kind, factor in [
        ("add-rmsnorm-triton", "add_rms_norm", 4),
        ("rmsnorm-backward-triton", "rms_norm_backward", 3),
    ]:
        timing = get_problem(slug).timing
        assert timing["kind"] == kind and timing["bytes_factor"] == factor
        assert timing["dtype"] == "float32" and len(timing["shape"]) == 2


@pytest.mark.parametrize(
    ("source", "spec", "function"),
    [
        (GOOD_ADD_RMS, ADD_SPEC, "add_rmsnorm"),
        (GOOD_RMS_BACKWARD, BACKWARD_SPEC, "rmsnorm_backward"),
    ],
    ids=["add-rmsnorm", "rmsnorm-backward"],
)
def test_a_correct_kernel_is_timed_against_torchs_composition_with_the_l2_flushed(
    source, spec, function
):
    result = time_in_child(source, spec, function=function, warmup=1, runs=RUNS)
    assert "rejected" not in result and "error" not in result, result
    assert len(result["reference_ms"]) == RUNS and len(result["candidate_ms"]) == RUNS
    assert result["flushes"] == 2 * RUNS  # library and candidate, every timed run


def test_a_wrong_backward_is_refused_its_timing_on_the_timed_outputs():
    result = time_in_child(
        WRONG_RMS_BACKWARD, BACKWARD_SPEC, function="rmsnorm_backward", warmup=1, runs=RUNS
    )
    assert result.get("rejected") == "wrong_result", result
    assert "candidate_ms" not in result


def test_replayed_results_are_caught_by_the_fresh_inputs_of_every_run():
    result = time_in_child(exploit("rms_replay"), ADD_SPEC, function="add_rmsnorm", runs=RUNS)
    assert result.get("rejected") == "wrong_result", result
    assert "is wrong for its inputs" in result["message"]


def test_a_backward_finishing_dx_off_the_timed_stream_is_caught():
    result = time_in_child(
        exploit("rms_backward_side_stream"), BACKWARD_SPEC, function="rmsnorm_backward", runs=RUNS
    )
    assert result.get("rejected") == "side_stream", result
    assert "all work must be on the stream being timed" in result["message"]


def test_work_deferred_into_the_untimed_check_is_caught_by_the_checks_own_time():
    result = time_in_child(
        GOOD_ADD_RMS, ADD_SPEC, function="add_rmsnorm", warmup=1, runs=RUNS, check_delay_s=0.05
    )
    assert result.get("rejected") == "deferred_work", result
    assert "deferred into the untimed check" in result["message"]


# --------------------------------------------------------------------------- through the sandbox


@pytest.mark.parametrize("slug", ["add-rmsnorm-triton", "rmsnorm-backward-triton"])
def test_an_honest_kernel_is_timed_through_the_sandbox_but_never_scored_on_the_fake_gpu(
    slug, tensor_pool
):
    # The Triton kernel itself, in the interpreter, on the fake GPU's small timing shape.
    source = (GPU_SUBMISSIONS / f"{slug.replace('-', '_')}_correct.py").read_text()
    report = grade_submission(slug, source, pool=tensor_pool, device=FAKE_GPU_DEVICE)
    assert report.verdict == "accepted", report.message
    assert report.extra["speed"] == gpu_speed.not_measured(gpu_speed.NOT_MEASURED_FAKE)
    assert report.extra["performance_score"] is None
    assert "not timed yet" not in report.message


def test_a_replay_through_the_sandbox_is_correct_on_every_case_but_refused_its_timing(
    tensor_pool,
):
    report = grade_submission(
        "add-rmsnorm-triton", exploit("rms_replay"), pool=tensor_pool, device=FAKE_GPU_DEVICE
    )
    assert report.verdict == "accepted"  # every case has its own shape: nothing replayed
    assert report.extra["speed"]["status"] == gpu_speed.REJECTED, report.extra["speed"]
    assert "is wrong for its inputs" in report.extra["speed"]["note"]
    assert report.extra["performance_score"] is None


def test_on_the_cpu_interpreter_the_kernel_is_not_timed(tensor_pool):
    assert gpu_grading._timing_spec(get_problem("add-rmsnorm-triton"), "cpu") is None
    source = (GPU_SUBMISSIONS / "add_rmsnorm_triton_correct.py").read_text()
    report = grade_submission("add-rmsnorm-triton", source, pool=tensor_pool)
    assert report.verdict == "accepted", report.message
    assert report.extra["speed"] == gpu_speed.not_measured(gpu_speed.INTERPRETED_CORRECT)
