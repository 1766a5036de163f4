"""What each timed GPU problem's call is: its inputs, the library's version of it, how the
problem's contract calls a function, and what the timing's guard must watch for it.

The timing harness (``gpu_timing.py``) says how anything is timed; this file says what is
timed. Standalone like the harness, and for the same reason: the sandbox binds both files
side by side and ``gpu_timing.py`` loads this one by path (it imports nothing of the
project; torch is handed in by the harness). Every torch operation a kind uses is bound
when the kind is built, which the harness does before the candidate's code is loaded.

The library's versions: cuDNN's batch norm for the batch-norm problems; for RMSNorm,
torch's own composition ``x * rsqrt(mean(x**2, -1) + eps) * w`` (the residual added first
for add+RMSNorm) and autograd of that composition for the backward, which is what a model
written in plain PyTorch runs.
"""

from __future__ import annotations

from collections.abc import Callable

BATCH_NORM_KINDS = ("batch_norm_train", "batch_norm_relu_eval")
RMS_NORM_KINDS = ("add_rms_norm", "rms_norm_backward")
KINDS = BATCH_NORM_KINDS + RMS_NORM_KINDS
DEFAULT_RMS_EPS = 1e-6


def make(spec: dict, torch):
    """The kind that ``spec`` times, its torch operations bound now."""
    if spec["kind"] in BATCH_NORM_KINDS:
        return BatchNormKind(spec, torch)
    if spec["kind"] in RMS_NORM_KINDS:
        return RmsNormKind(spec, torch)
    raise ValueError(f"unknown timing kind {spec['kind']!r}")


class BatchNormKind:
    """bn-forward-cuda (training: output and the two running statistics) and
    bn-relu-triton (inference, fused with a ReLU)."""

    def __init__(self, spec: dict, torch) -> None:
        self.spec = spec
        self.training = spec["kind"] == "batch_norm_train"
        # Bound now: the sandbox replaces the library's batch norm before the candidate's
        # code runs, and the candidate may replace anything else.
        self._batch_norm, self._relu = torch.batch_norm, torch.relu
        self._clone, self._abs = torch.clone, torch.abs

    @staticmethod
    def watched(torch) -> list:
        # Not batch_norm: the sandbox itself replaces it for the candidate (bound above).
        return [(torch, "relu")]

    def inputs(self, randn: Callable) -> dict:
        c = self.spec["shape"][1]
        return {
            "x": randn(*self.spec["shape"]),
            "weight": self._abs(randn(c)) + 0.5,
            "bias": randn(c),
            "running_mean": randn(c) * 0.5,
            "running_var": self._abs(randn(c)) + 0.5,
        }

    def call(self, fn: Callable, inputs: dict):
        """``fn``'s outputs as a tuple (or a string saying why they are not usable)."""
        i = inputs
        returned = fn(i["x"], i["weight"], i["bias"], i["running_mean"], i["running_var"])
        if not self.training:
            return (returned,)
        if type(returned) not in (tuple, list) or len(returned) != 3:
            return "did not return a tuple of 3 tensors"
        return tuple(returned)

    def reference(self, x, weight, bias, running_mean, running_var):
        """The library's operation under the problem's contract (cuDNN on a GPU)."""
        if self.training:
            running_mean, running_var = self._clone(running_mean), self._clone(running_var)
        out = self._batch_norm(
            x, weight, bias, running_mean, running_var, self.training, 0.1, 1e-5, True
        )
        if self.training:
            return out, running_mean, running_var
        return self._relu(out)


class RmsNormKind:
    """add-rmsnorm-triton (``add_rmsnorm(x, residual, weight, eps) -> (y, residual_out)``)
    and rmsnorm-backward-triton (``rmsnorm_backward(dy, x, weight, eps) -> (dx, dweight)``);
    rows are the last axis of ``shape``."""

    OPS = ("add", "mul", "pow", "mean", "rsqrt")

    def __init__(self, spec: dict, torch) -> None:
        self.spec = spec
        self.backward = spec["kind"] == "rms_norm_backward"
        self.eps = float(spec.get("eps", DEFAULT_RMS_EPS))
        self._add, self._mul, self._pow = torch.add, torch.mul, torch.pow
        self._mean, self._rsqrt, self._abs = torch.mean, torch.rsqrt, torch.abs
        self._grad, self._enable_grad = torch.autograd.grad, torch.enable_grad
        self._detach, self._requires_grad = torch.Tensor.detach, torch.Tensor.requires_grad_

    @classmethod
    def watched(cls, torch) -> list:
        return [(torch, name) for name in cls.OPS] + [
            (torch.autograd, "grad"),
            (torch, "enable_grad"),
            (torch.Tensor, "detach"),
            (torch.Tensor, "requires_grad_"),
        ]

    def inputs(self, randn: Callable) -> dict:
        shape = self.spec["shape"]
        weight = self._abs(randn(shape[-1])) + 0.5
        if self.backward:
            return {"dy": randn(*shape), "x": randn(*shape), "weight": weight}
        return {"x": randn(*shape), "residual": randn(*shape), "weight": weight}

    def call(self, fn: Callable, inputs: dict):
        i = inputs
        if self.backward:
            returned = fn(i["dy"], i["x"], i["weight"], self.eps)
        else:
            returned = fn(i["x"], i["residual"], i["weight"], self.eps)
        if type(returned) not in (tuple, list) or len(returned) != 2:
            return "did not return a tuple of 2 tensors"
        return tuple(returned)

    def _normalize(self, h, weight, eps: float):
        rms = self._mean(self._pow(h, 2), -1, keepdim=True)
        return self._mul(self._mul(h, self._rsqrt(self._add(rms, eps))), weight)

    def reference(self, first, second, weight, eps: float):
        """torch's composition (forward), or autograd of it (backward)."""
        if not self.backward:
            h = self._add(first, second)
            return self._normalize(h, weight, eps), h
        dy, x = first, second
        with self._enable_grad():
            x = self._requires_grad(self._detach(x))
            w = self._requires_grad(self._detach(weight))
            dx, dweight = self._grad(self._normalize(x, w, eps), (x, w), dy)
        return dx, dweight
