"""Submissions and solutions the GPU tests share."""

from __future__ import annotations

from assess.attempts.services import answer_save, attempt_start
from grader.models import Submission
from quizzes.models import Kind
from tests.assess import factories

# Correct with torch tensor operations on any device.
GOOD_BN_CUDA = """import torch


def batchnorm_forward_cuda(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    dims = [0] + list(range(2, x.dim()))
    n = x.numel() // x.shape[1]
    if n == 1:
        raise ValueError("need more than one value per channel")
    mean = x.mean(dim=dims)
    var = x.var(dim=dims, unbiased=False)
    shape = [1, -1] + [1] * (x.dim() - 2)
    out = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + eps) * gamma.view(shape) + beta.view(shape)
    return out, (1 - momentum) * running_mean + momentum * mean, \\
        (1 - momentum) * running_var + momentum * var * n / (n - 1)
"""
# The fused inference op written with torch (a fake GPU worker runs it on CPU tensors).
GOOD_BN_RELU = """import torch


def bn_relu_inference(x, weight, bias, running_mean, running_var, eps=1e-5):
    scale = weight / torch.sqrt(running_var + eps)
    shift = bias - running_mean * scale
    shape = [1, -1] + [1] * (x.dim() - 2)
    return torch.relu(x * scale.view(shape) + shift.view(shape))
"""


def make_submission(
    problem: str, source: str, *, answer=None, public_only: bool = False
) -> Submission:
    """A stored submission for ``problem`` (on a coding answer of a started attempt)."""
    if answer is None:
        bank = factories.make_bank("coding")
        assessment = factories.make_assessment(
            factories.make_org(f"org{Submission.objects.count()}"), [bank["coding"]], pass_mark=50
        )
        inv, _ = factories.make_invitation(assessment)
        attempt = attempt_start(inv)
        answer = next(a for a in attempt.answers.all() if a.kind == Kind.CODING)
        answer_save(attempt, answer.position, source, 0)
    return Submission.objects.create(
        answer=answer, problem=problem, source=source, public_only=public_only
    )
