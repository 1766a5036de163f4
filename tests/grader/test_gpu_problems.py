"""The GPU problems on this CPU machine: graded on CPU tensors in the sandbox, the
library batch norm refused, the report saying why speed was not measured; and the
timing harness's arithmetic."""

from __future__ import annotations

import pytest

from grader.engine import FAKE_GPU_DEVICE, gpu_speed, gpu_timing, grade_submission
from grader.engine.config import GraderConfig
from grader.engine.gpu_grading import forbidden_names
from grader.engine.problems import GPU_PREFERRED, GPU_REQUIRED, get_problem, list_problems
from grader.engine.sandbox import SandboxPool, tensor_config
from tests.grader.gpu_helpers import GOOD_BN_CUDA, GOOD_BN_RELU
from tests.support.optional import require

require("torch")


@pytest.fixture(scope="module")
def tensor_pool():
    pool = SandboxPool(
        tensor_config(GraderConfig(pool_size=2, uid_base=640000), "cpu"), runtime="torch"
    )
    yield pool
    pool.close()


def test_every_problem_declares_where_it_is_graded():
    placements = {p.slug: p.placement for p in list_problems()}
    assert placements.pop("bn-forward-cuda") == GPU_PREFERRED
    assert placements.pop("bn-relu-triton") == GPU_REQUIRED
    assert placements.pop("add-rmsnorm-triton") == GPU_PREFERRED
    assert placements.pop("rmsnorm-backward-triton") == GPU_PREFERRED
    assert set(placements.values()) == {"cpu"} and len(placements) == 9


def test_large_hidden_tests_exist_only_for_a_gpu():
    problem = get_problem("bn-forward-cuda")
    assert not any(c.gpu_only for c in problem.cases())
    assert problem.build_gpu_cases is not None
    assert (64, 256, 56, 56) in {tuple(c.inputs["x"].shape) for c in problem.build_gpu_cases()}


def test_the_cpu_fallback_grades_correctness_and_says_speed_was_not_measured(tensor_pool):
    report = grade_submission("bn-forward-cuda", GOOD_BN_CUDA, pool=tensor_pool).to_dict()
    assert report["verdict"] == "accepted" and report["score"] == 1.0
    assert report["speed"] == {
        "measured": False,
        "status": "not_measured",
        "note": "speed not measured: graded on a CPU worker",
    }
    assert report["performance_score"] is None and report["device"] == "cpu"
    assert "speed not measured: graded on a CPU worker" in report["message"]


def test_a_wrong_tensor_answer_fails_the_checks_it_gets_wrong(tensor_pool):
    unbiased = GOOD_BN_CUDA.replace("unbiased=False", "unbiased=True")
    report = grade_submission("bn-forward-cuda", unbiased, pool=tensor_pool).to_dict()
    assert report["verdict"] == "wrong_answer"
    failed = {c["name"].rsplit(": ", 1)[1] for c in report["checks"] if not c["passed"]}
    assert "out" in failed and "inputs unchanged" not in failed


def test_numpy_arrays_are_not_accepted_where_tensors_are_expected(tensor_pool):
    returns_numpy = GOOD_BN_RELU.replace(
        "return torch.relu(x * scale.view(shape) + shift.view(shape))",
        "return torch.relu(x * scale.view(shape) + shift.view(shape)).numpy()",
    )
    report = grade_submission(
        "bn-relu-triton", returns_numpy, pool=tensor_pool, device=FAKE_GPU_DEVICE
    ).to_dict()
    assert report["verdict"] == "wrong_answer"
    assert "not a torch.Tensor" in report["checks"][0]["message"]


def test_naming_the_library_batch_norm_is_refused_before_running():
    source = (
        "import torch.nn.functional as F\n# batch_norm in a comment is fine\n"
        "def batchnorm_forward_cuda(x, g, b, m, v, momentum=0.1, eps=1e-5):\n"
        "    return F.batch_norm(x, m, v, g, b, True)\n"
    )
    report = grade_submission("bn-forward-cuda", source).to_dict()
    assert report["verdict"] == "invalid_submission"
    assert report["message"].startswith("Line 4 uses batch_norm")
    assert forbidden_names("x = 'batch_norm'  # BatchNorm2d", ("batch_norm", "BatchNorm2d")) == []


def test_reaching_the_library_batch_norm_another_way_raises_in_the_sandbox(tensor_pool):
    sneaky = (
        "import torch\n"
        "def batchnorm_forward_cuda(x, g, b, m, v, momentum=0.1, eps=1e-5):\n"
        "    f = getattr(torch.nn.functional, 'batch' + '_norm')\n"
        "    m, v = m.clone(), v.clone()\n"
        "    return f(x, m, v, g, b, True, momentum, eps), m, v\n"
    )
    report = grade_submission("bn-forward-cuda", sneaky, pool=tensor_pool).to_dict()
    assert report["verdict"] == "runtime_error"
    assert "is not allowed in this problem" in report["message"]


def test_median_bandwidth_and_score_arithmetic():
    assert gpu_timing.median([3.0, 1.0, 2.0]) == 2.0
    assert gpu_timing.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert gpu_timing.bandwidth(2e9, 0.001) == 2e12
    assert gpu_speed.perf_score(1.0, 2.0) == 0.5
    assert gpu_speed.perf_score(1.0, 0.5) == 1.0  # faster than cuDNN caps at 1
    assert gpu_speed.perf_score(1.0, 25.0) == 0.0  # beyond the floor: no credit
    with pytest.raises(ValueError):
        gpu_speed.perf_score(0.0, 1.0)


def test_the_speed_report_from_raw_timings():
    speed = gpu_speed.speed_report(
        {
            "reference_ms": [1.0, 1.2, 0.9],
            "candidate_ms": [2.0, 2.2, 1.9],
            "bytes_moved": 3 * 205_520_896,
            "peak_bytes_per_s": 3.0e12,
            "device_name": "NVIDIA H100",
        }
    )
    assert speed["measured"] and speed["speed_ratio"] == 0.5 and speed["score"] == 0.5
    assert speed["bandwidth_gb_s"] == round(3 * 205_520_896 / 0.002 / 1e9, 2)
    assert speed["bandwidth_fraction"] == round(3 * 205_520_896 / 0.002 / 3.0e12, 4)
    with pytest.raises(ValueError):
        gpu_speed.speed_report(
            {
                "reference_ms": [1.0],
                "candidate_ms": [float("nan")],
                "bytes_moved": 1,
                "peak_bytes_per_s": 1,
            }
        )
