"""The score: only correct results earn it; housekeeping checks gate, they do not pay.

A degenerate answer (zeros, the input back, the arguments back, the unfolded weights, the
first shard's statistics, ...) must score at most 0.10 on every problem.
"""

from __future__ import annotations

import pytest

from grader.engine.checks import CheckResult
from grader.engine.judging import score
from grader.engine.problems import get_problem
from grader.engine.report import CaseOutcome
from tests.grader.conftest import SUBMISSIONS

_HEADER = "import numpy as np\n\n\n"

# problem -> {name: body of a degenerate answer}
DEGENERATE = {
    "bn-forward": {
        "zeros": "def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, "
        "momentum=0.1, eps=1e-5):\n"
        "    return np.zeros_like(x), np.zeros_like(running_mean), np.zeros_like(running_var)\n",
        "the inputs back": "def batchnorm_forward(x, gamma, beta, running_mean, running_var, "
        "training, momentum=0.1, eps=1e-5):\n    return x.copy(), running_mean.copy(), "
        "running_var.copy()\n",
        "zeros with the running statistics untouched": "def batchnorm_forward(x, gamma, beta, "
        "running_mean, running_var, training, momentum=0.1, eps=1e-5):\n"
        "    return np.zeros_like(x), running_mean.copy(), running_var.copy()\n",
        "scale and shift only": "def batchnorm_forward(x, gamma, beta, running_mean, "
        "running_var, training, momentum=0.1, eps=1e-5):\n    s = (1, -1) + (1,) * (x.ndim - 2)\n"
        "    return x * gamma.reshape(s) + beta.reshape(s), running_mean.copy(), "
        "running_var.copy()\n",
    },
    "bn-backward": {
        "zeros": "def batchnorm_backward(dout, x, gamma, eps=1e-5):\n"
        "    return np.zeros_like(x), np.zeros_like(gamma), np.zeros_like(gamma)\n",
        "the gradient back": "def batchnorm_backward(dout, x, gamma, eps=1e-5):\n"
        "    return dout.copy(), gamma.copy(), gamma.copy()\n",
    },
    "layernorm-forward": {
        "zeros": "def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):\n"
        "    return np.zeros_like(x)\n",
        "identity": "def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):\n"
        "    return x.copy()\n",
        "affine only": "def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):\n"
        "    y = x if weight is None else x * weight\n"
        "    return (y if bias is None else y + bias).astype(x.dtype)\n",
    },
    "layernorm-backward": {
        "zeros": "def layernorm_backward(dout, x, normalized_shape, weight, eps=1e-5):\n"
        "    return np.zeros_like(x), np.zeros_like(weight), np.zeros_like(weight)\n",
        "the gradient back": "def layernorm_backward(dout, x, normalized_shape, weight, "
        "eps=1e-5):\n    return dout.copy(), weight.copy(), weight.copy()\n",
    },
    "groupnorm-forward": {
        "zeros": "def groupnorm_forward(x, num_groups, weight, bias, eps=1e-5):\n"
        "    return np.zeros_like(x)\n",
        "identity": "def groupnorm_forward(x, num_groups, weight, bias, eps=1e-5):\n"
        "    return x.copy()\n",
    },
    "rmsnorm-forward": {
        "zeros": "def rmsnorm_forward(x, normalized_shape, weight, eps=None):\n"
        "    return np.zeros_like(x)\n",
        "identity": "def rmsnorm_forward(x, normalized_shape, weight, eps=None):\n"
        "    return x.copy()\n",
        "weight only": "def rmsnorm_forward(x, normalized_shape, weight, eps=None):\n"
        "    return (x if weight is None else x * weight).astype(x.dtype)\n",
    },
    "bn-fold": {
        "zeros": "def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, "
        "eps=1e-5):\n    return np.zeros_like(weight), np.zeros_like(gamma)\n",
        "the unfolded weights": "def fold_batchnorm(weight, bias, gamma, beta, running_mean, "
        "running_var, eps=1e-5):\n"
        "    return weight.copy(), (np.zeros_like(gamma) if bias is None else bias.copy())\n",
        "gamma and beta only": "def fold_batchnorm(weight, bias, gamma, beta, running_mean, "
        "running_var, eps=1e-5):\n"
        "    return weight * gamma.reshape((-1,) + (1,) * (weight.ndim - 1)), beta.copy()\n",
    },
    "bn-sync-stats": {
        "zeros": "def combine_batch_stats(counts, means, variances):\n"
        "    return int(counts.sum()), np.zeros_like(means[0]), np.zeros_like(means[0])\n",
        "the first shard's statistics": "def combine_batch_stats(counts, means, variances):\n"
        "    return int(counts[0]), means[0].copy(), variances[0].copy()\n",
        "the total count with the first shard's statistics": "def combine_batch_stats(counts, "
        "means, variances):\n    return int(counts.sum()), means[0].copy(), "
        "variances[0].copy()\n",
    },
    "cs231n-batchnorm": {
        "zeros": "def batchnorm_forward(x, gamma, beta, bn_param):\n"
        "    return np.zeros_like(x), None\n\n\n"
        "def batchnorm_backward(dout, cache):\n"
        "    z = np.zeros(dout.shape[1], dout.dtype)\n"
        "    return np.zeros_like(dout), z, z\n",
        "identity": "def batchnorm_forward(x, gamma, beta, bn_param):\n"
        "    return x.copy(), None\n\n\n"
        "def batchnorm_backward(dout, cache):\n"
        "    return dout.copy(), dout.sum(axis=0), dout.sum(axis=0)\n",
    },
}

BATTERY = [
    (slug, name, body) for slug, answers in DEGENERATE.items() for name, body in answers.items()
]


@pytest.mark.parametrize(
    ("slug", "name", "body"), BATTERY, ids=[f"{s}: {n}" for s, n, _ in BATTERY]
)
def test_a_degenerate_answer_scores_at_most_a_tenth(grade, slug, name, body):
    report = grade(slug, _HEADER + body)
    assert report.verdict in ("wrong_answer", "runtime_error"), report.message
    assert report.score <= 0.10, (report.score, [c.name for c in report.checks if c.passed])
    if slug == "cs231n-batchnorm":
        return  # the running statistics stay in bn_param: never all zeros nor all inputs
    if name == "zeros":
        assert report.diagnosis.slug == "placeholder-zeros"
    if name in ("identity", "the inputs back", "the gradient back"):
        assert report.diagnosis.slug == "returns-its-input"


def test_every_cpu_problem_has_a_degenerate_battery():
    from tests.grader.test_diagnosis import CPU_PROBLEMS

    assert set(DEGENERATE) == set(CPU_PROBLEMS)
    assert all(len(answers) >= 2 for answers in DEGENERATE.values())


def _read(relative: str) -> str:
    return (SUBMISSIONS / relative).read_text()


def test_right_values_with_a_housekeeping_failure_cost_a_little_and_are_not_accepted(grade):
    for slug, relative in [
        ("bn-forward", "wrong/bn_forward/float64_output.py"),
        ("bn-forward", "wrong/bn_forward/updates_buffers_in_place.py"),
        ("groupnorm-forward", "wrong/groupnorm_forward/no_divisibility_check.py"),
    ]:
        report = grade(slug, _read(relative))
        result_rows = [c for c in report.checks if c.kind == "result"]
        assert all(c.passed for c in result_rows), relative
        assert report.verdict == "wrong_answer" and report.score == pytest.approx(0.9), relative
        assert any(c.kind == "housekeeping" and not c.passed for c in report.checks)
        assert report.message.startswith("Every result is right"), report.message


def test_training_mode_dominates_bn_forward(grade):
    # Right in training, wrong in eval: most of the score. Right only in eval: little.
    train_only = grade("bn-forward", _read("wrong/bn_forward/eval_uses_batch_stats.py"))
    assert train_only.score >= 0.75
    # wrong: the 4 eval cases and the 2 eval-after-training ones
    assert train_only.message == "Wrong result on 6 of 25 test cases."
    eval_only = _HEADER + (
        "def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, "
        "momentum=0.1, eps=1e-5):\n"
        "    s = (1, -1) + (1,) * (x.ndim - 2)\n"
        "    out = (x - running_mean.reshape(s)) / np.sqrt(running_var.reshape(s) + eps)\n"
        "    out = out * gamma.reshape(s) + beta.reshape(s)\n"
        "    return out.astype(x.dtype), running_mean.copy(), running_var.copy()\n"
    )
    assert grade("bn-forward", eval_only).score <= 0.15


def test_dx_decides_the_backward_score(grade):
    # Right dgamma and dbeta with a wrong dx earn nothing.
    report = grade("bn-backward", _read("wrong/bn_backward/no_gamma.py"))
    assert all(c.passed for c in report.checks if c.name.endswith(("dgamma", "dbeta")))
    assert report.score == 0.0


def _outcome(weight: float, correct: bool, *, housekeeping_ok: bool = True, error=False):
    case = get_problem("bn-forward").cases()[0]
    from dataclasses import replace

    case = replace(case, weight=weight, expect_error=error)
    rows = [CheckResult(f"{case.name}: out", correct)]
    rows.append(CheckResult(f"{case.name}: inputs unchanged", housekeeping_ok, kind="housekeeping"))
    return CaseOutcome(0, case, rows, {}, False, correct if not error else housekeeping_ok)


def test_the_score_weighs_cases_and_charges_each_housekeeping_kind_once():
    assert score([_outcome(2, True), _outcome(1, False), _outcome(1, True)]) == 0.75
    assert score([_outcome(2, True), _outcome(2, True, housekeeping_ok=False)]) == 0.9
    assert (
        score([_outcome(1, True, housekeeping_ok=False), _outcome(1, True, housekeeping_ok=False)])
        == 0.9
    )
    assert score([_outcome(1, False), _outcome(1, False)]) == 0.0
