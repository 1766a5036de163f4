"""Stateful layers mirroring ``torch.nn``: ``_NormBase -> _BatchNorm -> BatchNorm2d`` and friends.

They hold NumPy parameters and buffers (``weight``, ``bias``, ``running_mean``,
``running_var``, ``num_batches_tracked``) and call the functional API; subclasses differ
only in their input checks. Buffers are replaced, never written in place, so an array a
caller took from a layer keeps its values.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import functional as F
from .errors import NormError

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LayerNorm",
    "GroupNorm",
    "RMSNorm",
]

Array = Any
DTypeLike = Any


class _Module:
    """``training`` flag with ``train()`` / ``eval()``, as in ``torch.nn.Module``."""

    training: bool = True

    def train(self, mode: bool = True) -> _Module:
        self.training = bool(mode)
        return self

    def eval(self) -> _Module:
        return self.train(False)

    def __call__(self, input: Array) -> Array:
        return self.forward(input)

    def forward(self, input: Array) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def extra_repr(self) -> str:  # pragma: no cover - abstract
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


def _ndim(input: Array) -> int:
    return np.ndim(input)


class _NormBase(_Module):
    """Parameters and running buffers shared by batch norm and instance norm."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        bias: bool = True,
        dtype: DTypeLike = np.float32,
    ) -> None:
        if int(num_features) < 1:
            raise NormError(f"num_features must be a positive int, got {num_features!r}")
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self.dtype = np.dtype(dtype)
        self.weight = np.ones(self.num_features, self.dtype) if affine else None
        self.bias = np.zeros(self.num_features, self.dtype) if affine and bias else None
        self.running_mean: np.ndarray | None = None
        self.running_var: np.ndarray | None = None
        self.num_batches_tracked: int | None = None
        if track_running_stats:
            self.reset_running_stats()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            self.running_mean = np.zeros(self.num_features, self.dtype)
            self.running_var = np.ones(self.num_features, self.dtype)
            self.num_batches_tracked = 0

    def reset_parameters(self) -> None:
        """Running stats reset; weight 1 and bias 0."""
        self.reset_running_stats()
        if self.weight is not None:
            self.weight = np.ones(self.num_features, self.dtype)
        if self.bias is not None:
            self.bias = np.zeros(self.num_features, self.dtype)

    def _check_input_dim(self, input: Array) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


def _expect_dims(input: Array, allowed: Sequence[int]) -> None:
    ndim = _ndim(input)
    if ndim not in allowed:
        wanted = " or ".join(f"{d}D" for d in allowed)
        raise NormError(f"expected {wanted} input (got {ndim}D input of shape {np.shape(input)})")


class _BatchNorm(_NormBase):
    """Batch norm with PyTorch's module rules.

    Training: batch statistics normalize; with ``track_running_stats`` the buffers move by
    ``momentum``, or by ``1 / num_batches_tracked`` (a cumulative average) when
    ``momentum`` is None. Eval: running statistics when they exist, batch statistics
    otherwise (``track_running_stats=False``).
    """

    def forward(self, input: Array) -> Array:
        self._check_input_dim(input)
        tracking = (
            self.training and self.track_running_stats and self.num_batches_tracked is not None
        )
        factor = 0.0 if self.momentum is None else self.momentum
        if tracking and self.momentum is None:
            factor = 1.0 / (self.num_batches_tracked + 1)
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        # Buffers go in when they are to be updated (training) or to normalize (eval).
        give_buffers = not self.training or self.track_running_stats
        out, new_mean, new_var = F.batch_norm(
            input,
            self.running_mean if give_buffers else None,
            self.running_var if give_buffers else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )
        # Unlike PyTorch, which counts the batch before the call, a call that raises leaves
        # the state as it was.
        if tracking:
            self.num_batches_tracked += 1
            self.running_mean, self.running_var = new_mean, new_var
        return out


class BatchNorm1d(_BatchNorm):
    """Batch norm for ``(N, C)`` or ``(N, C, L)`` input; see :func:`normcore.batch_norm`.

    >>> BatchNorm1d(3)(np.random.rand(4, 3).astype(np.float32)).shape
    (4, 3)
    """

    def _check_input_dim(self, input: Array) -> None:
        _expect_dims(input, (2, 3))


class BatchNorm2d(_BatchNorm):
    """Batch norm for ``(N, C, H, W)`` input; see :func:`normcore.batch_norm`."""

    def _check_input_dim(self, input: Array) -> None:
        _expect_dims(input, (4,))


class BatchNorm3d(_BatchNorm):
    """Batch norm for ``(N, C, D, H, W)`` input; see :func:`normcore.batch_norm`."""

    def _check_input_dim(self, input: Array) -> None:
        _expect_dims(input, (5,))


class _InstanceNorm(_NormBase):
    """Instance norm with PyTorch's module rules (defaults ``affine=False``,
    ``track_running_stats=False``; ``momentum=None`` means 0; unbatched input allowed)."""

    _no_batch_dim = 2

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        *,
        bias: bool = True,
        dtype: DTypeLike = np.float32,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, bias=bias, dtype=dtype
        )

    def _check_input_dim(self, input: Array) -> None:
        _expect_dims(input, (self._no_batch_dim, self._no_batch_dim + 1))

    def forward(self, input: Array) -> Array:
        self._check_input_dim(input)
        x = np.asarray(input)
        unbatched = x.ndim == self._no_batch_dim
        if unbatched:
            x = x[None]
        if x.shape[1] != self.num_features:
            if self.affine:
                raise NormError(
                    f"expected input's size at dim=1 to match num_features ({self.num_features}), "
                    f"got input of shape {np.shape(input)}"
                )
            warnings.warn(
                f"input's size at dim=1 ({x.shape[1]}) does not match num_features "
                f"({self.num_features}); num_features is unused because affine=False",
                stacklevel=2,
            )
        use_input_stats = self.training or not self.track_running_stats
        out, new_mean, new_var = F.instance_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            use_input_stats,
            0.0 if self.momentum is None else self.momentum,
            self.eps,
        )
        if self.track_running_stats and use_input_stats:
            self.running_mean, self.running_var = new_mean, new_var
        return out[0] if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance norm for ``(N, C, L)`` or unbatched ``(C, L)`` input."""

    _no_batch_dim = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance norm for ``(N, C, H, W)`` or unbatched ``(C, H, W)`` input."""

    _no_batch_dim = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance norm for ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` input."""

    _no_batch_dim = 4


def _shape_tuple(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(normalized_shape, int | np.integer):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


class LayerNorm(_Module):
    """Layer norm over the trailing ``normalized_shape`` axes; see :func:`normcore.layer_norm`.

    >>> LayerNorm(5)(np.random.rand(2, 5)).shape
    (2, 5)
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        *,
        dtype: DTypeLike = np.float32,
    ) -> None:
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self.weight = np.ones(self.normalized_shape, dtype) if elementwise_affine else None
        self.bias = np.zeros(self.normalized_shape, dtype) if elementwise_affine and bias else None

    def forward(self, input: Array) -> Array:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"


class GroupNorm(_Module):
    """Group norm with ``num_groups`` contiguous channel groups; see :func:`normcore.group_norm`.

    >>> GroupNorm(2, 4)(np.random.rand(3, 4, 5)).shape
    (3, 4, 5)
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        *,
        bias: bool = True,
        dtype: DTypeLike = np.float32,
    ) -> None:
        if num_groups < 1 or num_channels % num_groups:
            raise NormError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups = int(num_groups)
        self.num_channels = int(num_channels)
        self.eps = eps
        self.affine = affine
        self.weight = np.ones(num_channels, dtype) if affine else None
        self.bias = np.zeros(num_channels, dtype) if affine and bias else None

    def forward(self, input: Array) -> Array:
        if _ndim(input) < 2:
            raise NormError(
                f"expected at least 2D input (N, C, *S), got input of shape {np.shape(input)}"
            )
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"


class RMSNorm(_Module):
    """RMS norm over the trailing axes; ``eps=None`` is the input dtype's machine epsilon.

    >>> RMSNorm(5)(np.random.rand(2, 5)).shape
    (2, 5)
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        *,
        dtype: DTypeLike = np.float32,
    ) -> None:
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self.weight = np.ones(self.normalized_shape, dtype) if elementwise_affine else None

    def forward(self, input: Array) -> Array:
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
