"""The Triton problems on this CPU machine: their kernels run in Triton's interpreter
(TRITON_INTERPRET=1) inside the tensor sandbox, under its limits; a correct kernel is
accepted with "correct on the CPU interpreter; speed not measured: no GPU", a wrong one
fails the checks it gets wrong and is diagnosed; the new kernel problems' degenerate
answers and classic mistakes are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.engine import gpu_speed, grade_submission
from grader.engine.config import GraderConfig
from grader.engine.problems import GPU_PREFERRED, get_problem
from grader.engine.sandbox import SandboxPool, tensor_config
from quizzes.models import Kind
from quizzes.questions import GPU_NEEDS, question_placement
from tests.support.optional import require

require("torch")
require("triton")

GPU_SUBMISSIONS = Path(__file__).parent / "submissions" / "gpu"


@pytest.fixture(scope="module")
def tensor_pool():
    pool = SandboxPool(
        tensor_config(GraderConfig(pool_size=1, uid_base=660000), "cpu"), runtime="torch"
    )
    yield pool
    pool.close()


def _file(name: str) -> str:
    return (GPU_SUBMISSIONS / name).read_text()


@pytest.mark.parametrize(
    ("slug", "name"),
    [
        ("bn-relu-triton", "bn_relu_triton_correct.py"),
        ("add-rmsnorm-triton", "add_rmsnorm_triton_correct.py"),
        ("rmsnorm-backward-triton", "rmsnorm_backward_triton_correct.py"),
    ],
)
def test_a_correct_kernel_is_accepted_on_the_cpu_interpreter_and_its_speed_not_claimed(
    tensor_pool, slug, name
):
    report = grade_submission(slug, _file(name), pool=tensor_pool).to_dict()
    assert report["verdict"] == "accepted", report["message"]
    assert report["score"] == 1.0 and report["device"] == "cpu"
    assert report["speed"] == gpu_speed.not_measured(gpu_speed.INTERPRETED_CORRECT)
    assert "correct on the CPU interpreter; speed not measured: no GPU" in report["message"]
    assert report["performance_score"] is None
    # Within the tensor sandbox's limits (wall 90 s), with room to spare.
    assert report["elapsed_ms"] < 60_000


@pytest.mark.parametrize(
    ("slug", "name", "failed", "diagnosis"),
    [
        ("bn-relu-triton", "bn_relu_triton_wrong_kernel.py", {"out"}, None),
        ("add-rmsnorm-triton", "add_rmsnorm_triton_wrong.py", {"y"}, "add-rms-normalizes-x-alone"),
        (
            "rmsnorm-backward-triton",
            "rmsnorm_backward_triton_wrong.py",
            {"dx"},
            "rms-backward-no-projection",
        ),
    ],
)
def test_a_wrong_kernel_fails_what_it_gets_wrong_and_is_diagnosed(
    tensor_pool, slug, name, failed, diagnosis
):
    report = grade_submission(slug, _file(name), pool=tensor_pool).to_dict()
    assert report["verdict"] == "wrong_answer"
    assert report["speed"] == gpu_speed.not_measured(gpu_speed.INTERPRETED)
    wrong = {c["name"].rsplit(": ", 1)[1] for c in report["checks"] if not c["passed"]}
    assert wrong == failed  # the other output (the new residual, dweight) is right
    assert (report["diagnosis"] or {}).get("slug") == diagnosis


# Degenerate answers and classic mistakes, written with torch (no kernel: fast), graded on
# the same CPU tensors; the float16 cases need `.to(x.dtype)`, never the word itself.
ADD = "import torch\n\n\ndef add_rmsnorm(x, residual, weight, eps=1e-6):\n"
BACKWARD = "import torch\n\n\ndef rmsnorm_backward(dy, x, weight, eps=1e-6):\n"
RIGHT_ADD = (
    "    h = x + residual\n    hf = h.to(torch.float32)\n"
    "    r = torch.rsqrt((hf * hf).mean(dim=-1, keepdim=True) + eps)\n"
    "    return (hf * r * weight.to(torch.float32)).to(x.dtype), h\n"
)
ANSWERS = [
    (
        "add-rmsnorm-triton",
        ADD + "    return torch.zeros_like(x), torch.zeros_like(x)\n",
        "placeholder-zeros",
    ),
    ("add-rmsnorm-triton", ADD + "    return x.clone(), residual.clone()\n", "returns-its-input"),
    (
        "add-rmsnorm-triton",
        ADD
        + RIGHT_ADD.replace(
            "    return (hf",
            "    hf = hf - hf.mean(dim=-1, keepdim=True)\n"
            "    r = torch.rsqrt((hf * hf).mean(dim=-1, keepdim=True) + eps)"
            "\n    return (hf",
        ),
        "rms-subtracts-mean",
    ),
    (
        "add-rmsnorm-triton",
        ADD
        + RIGHT_ADD.replace(
            "    return (hf * r * weight.to(torch.float32)).to(x.dtype), h",
            "    return (hf * r * weight.to(torch.float32)).to(x.dtype), residual.clone()",
        ),
        "add-rms-returns-old-residual",
    ),
    (
        "rmsnorm-backward-triton",
        BACKWARD + "    return torch.zeros_like(x), torch.zeros_like(weight)\n",
        "placeholder-zeros",
    ),
    (
        "rmsnorm-backward-triton",
        BACKWARD + "    return dy.clone(), weight.clone()\n",
        "returns-its-input",
    ),
    (
        "rmsnorm-backward-triton",
        BACKWARD + "    xf, g = x.to(torch.float32), (dy * weight).to(torch.float32)\n"
        "    r = torch.rsqrt((xf * xf).mean(dim=-1, keepdim=True) + eps)\n"
        "    dx = r * g - xf * r**3 * (g * xf).mean(dim=-1, keepdim=True)\n"
        "    dw = (dy.to(torch.float32) * xf).reshape(-1, x.shape[-1]).sum(dim=0)\n"
        "    return dx.to(x.dtype), dw.to(x.dtype)\n",
        "rms-backward-dweight-raw-x",
    ),
]

# The search composes normcore's rms_norm_backward operators (normcore/mistakes.py).
NO_EPS = BACKWARD + (
    "    xf, g = x.to(torch.float32), (dy * weight).to(torch.float32)\n"
    "    r = torch.rsqrt((xf * xf).mean(dim=-1, keepdim=True))\n"
    "    dx = r * g - xf * r**3 * (g * xf).mean(dim=-1, keepdim=True)\n"
    "    dw = (dy.to(torch.float32) * xf * r).reshape(-1, x.shape[-1]).sum(dim=0)\n"
    "    return dx.to(x.dtype), dw.to(x.dtype)\n"
)
ANSWERS += [
    ("rmsnorm-backward-triton", NO_EPS, "eps-missing"),
    (
        "rmsnorm-backward-triton",
        NO_EPS.replace(" - xf * r**3 * (g * xf).mean(dim=-1, keepdim=True)", ""),
        "rms-backward-no-projection+eps-missing",
    ),
]


@pytest.mark.parametrize(("slug", "source", "diagnosis"), ANSWERS)
def test_degenerate_answers_score_at_most_a_tenth_and_mistakes_are_named(
    tensor_pool, slug, source, diagnosis
):
    report = grade_submission(slug, source, pool=tensor_pool).to_dict()
    assert report["verdict"] == "wrong_answer", report["message"]
    if diagnosis in ("placeholder-zeros", "returns-its-input"):
        assert report["score"] <= 0.10
    assert (report["diagnosis"] or {}).get("slug") == diagnosis


def test_a_right_torch_answer_passes_every_case_float16_included(tensor_pool):
    report = grade_submission("add-rmsnorm-triton", ADD + RIGHT_ADD, pool=tensor_pool)
    assert report.verdict == "accepted", report.message
    assert {c.dtype for c in get_problem("add-rmsnorm-triton").cases()} == {"float32", "float16"}


def test_the_library_rms_norm_is_refused_before_running():
    source = (
        ADD
        + "    h = x + residual\n    return torch.nn.functional.rms_norm(h, (h.shape[-1],), weight, eps), h\n"
    )
    report = grade_submission("add-rmsnorm-triton", source).to_dict()
    assert report["verdict"] == "invalid_submission"
    assert report["message"].startswith(
        "Line 6 uses rms_norm: this problem asks you to write RMSNorm yourself"
    )


def test_the_kernel_problems_are_offered_without_a_gpu_and_the_builder_says_how():
    for slug in ("add-rmsnorm-triton", "rmsnorm-backward-triton"):
        problem = get_problem(slug)
        assert problem.placement == GPU_PREFERRED and problem.interpreter
        label = GPU_NEEDS[question_placement({"kind": Kind.CODING, "problem": slug})]
        assert label == (
            "GPU preferred (else correctness only, on a CPU worker's Triton interpreter; "
            "speed not measured)"
        )
    # The fused BN + ReLU kernel stays GPU-required for hiring (its point is speed).
    assert GPU_NEEDS[question_placement({"kind": Kind.CODING, "problem": "bn-relu-triton"})] == (
        "GPU required"
    )


@pytest.mark.django_db
def test_a_cpu_worker_grades_a_stored_kernel_answer_and_the_report_says_speed_was_not_measured():
    from grader.grading import submission_grade
    from tests.grader.gpu_helpers import make_submission

    submission = make_submission("add-rmsnorm-triton", _file("add_rmsnorm_triton_correct.py"))
    assert submission_grade(submission.pk).status == "graded"
    submission.refresh_from_db()
    assert (submission.verdict, submission.score) == ("accepted", 1.0)
    assert submission.report["speed"]["note"] == (
        "correct on the CPU interpreter; speed not measured: no GPU"
    )


@pytest.mark.parametrize(
    ("slug", "function"),
    [("add-rmsnorm-triton", "add_rmsnorm"), ("rmsnorm-backward-triton", "rmsnorm_backward")],
)
def test_the_starter_code_is_a_kernel_to_finish_and_says_so_when_submitted(
    tensor_pool, slug, function
):
    problem = get_problem(slug)
    assert f"def {function}(" in problem.statement and f"def {function}(" in problem.starter_code
    assert "@triton.jit" in problem.starter_code and problem.level == "senior"
    report = grade_submission(slug, problem.starter_code, pool=tensor_pool, public_only=True)
    assert report.verdict == "runtime_error" and "NotImplementedError" in report.message
