"""The functional API: ``torch.nn.functional``'s normalization layers, forward and backward.

Pure functions: inputs are never modified; where PyTorch updates running statistics in
place, these return them. Statistics are float64 whatever the input dtype; outputs keep the
input's dtype (returned running statistics keep their own dtype). Shapes are
``(N, C, *S)`` for batch, group and instance norm.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real
from types import ModuleType
from typing import Any

import numpy as np

from . import _stats
from ._compat import as_array, namespace
from .errors import NormError

__all__ = [
    "batch_norm",
    "batch_norm_backward",
    "layer_norm",
    "layer_norm_backward",
    "group_norm",
    "group_norm_backward",
    "instance_norm",
    "rms_norm",
    "rms_norm_backward",
]

Array = Any
ShapeLike = int | Sequence[int]


# --------------------------------------------------------------------------- argument checks


def _shape(x: Array) -> tuple[int, ...]:
    if isinstance(x, np.ndarray):  # already ints; this runs ~15 times a call, small inputs feel it
        return x.shape
    return tuple(int(s) for s in x.shape)


def _check_float(x: Array, xp: ModuleType, what: str) -> None:
    # NumPy: kind "f" is exactly isdtype's "real floating", at a tenth of the cost.
    floating = x.dtype.kind == "f" if xp is np else xp.isdtype(x.dtype, "real floating")
    if not floating:
        raise NormError(f"{what} must have a floating dtype, got {x.dtype} (shape {_shape(x)})")


def _check_input(input: Array, xp: ModuleType, fn: str, *, min_ndim: int) -> Array:
    x = as_array(input, xp, "input")
    _check_float(x, xp, f"{fn}: input")
    if x.ndim < min_ndim:
        raise NormError(
            f"{fn}: expected input with at least {min_ndim} dimensions (N, C, *S), "
            f"got shape {_shape(x)}"
        )
    return x


def _check_param(p: Array, shape: tuple[int, ...], xp: ModuleType, what: str, x: Array) -> Array:
    if p is None:
        return None
    p = as_array(p, xp, what)
    _check_float(p, xp, what)
    if _shape(p) != shape:
        raise NormError(
            f"{what} should have shape {shape} to match input of shape {_shape(x)}, "
            f"got shape {_shape(p)}"
        )
    return p


def _check_grad(grad_output: Array, x: Array, xp: ModuleType, fn: str) -> Array:
    g = as_array(grad_output, xp, "grad_output")
    _check_float(g, xp, f"{fn}: grad_output")
    if _shape(g) != _shape(x):
        raise NormError(
            f"{fn}: grad_output of shape {_shape(g)} does not match input of shape {_shape(x)}"
        )
    return g


def _check_momentum(momentum: Any, fn: str) -> float:
    if momentum is None:
        raise NormError(
            f"{fn}: momentum=None (cumulative average) needs num_batches_tracked; "
            "pass momentum=1/num_batches_tracked or use the BatchNorm classes"
        )
    if isinstance(momentum, bool) or not isinstance(momentum, Real):
        raise NormError(f"{fn}: momentum must be a float, got {momentum!r}")
    return float(momentum)


def _normalized_shape(normalized_shape: ShapeLike, x: Array, fn: str) -> tuple[int, ...]:
    if isinstance(normalized_shape, Integral):
        shape = (int(normalized_shape),)
    else:
        try:
            shape = tuple(int(s) for s in normalized_shape)
        except TypeError as exc:
            raise NormError(
                f"{fn}: normalized_shape must be an int or a tuple of ints, got {normalized_shape!r}"
            ) from exc
    if not shape or _shape(x)[x.ndim - len(shape) :] != shape or len(shape) > x.ndim:
        raise NormError(
            f"{fn}: given normalized_shape={shape}, expected input with shape (*, "
            f"{', '.join(map(str, shape))}), got input of shape {_shape(x)}"
        )
    return shape


def _f64(p: Array, xp: ModuleType) -> Array:
    return None if p is None else xp.astype(p, xp.float64)


def _cast_like(v: Array, like: Array, xp: ModuleType) -> Array:
    return xp.astype(v, like.dtype)


def _prod(shape: Sequence[int]) -> int:
    return math.prod(int(s) for s in shape)


def _nc_view(x: Array, xp: ModuleType) -> Array:
    """``(N, C, *S)`` as ``(N, C, prod(S))``."""
    n, c = _shape(x)[:2]
    return xp.reshape(x, (n, c, _prod(_shape(x)[2:])))


def _rows_view(x: Array, row_len: int, xp: ModuleType) -> Array:
    """``x`` as ``(1, rows, row_len)``: one statistic per row."""
    rows = _prod(_shape(x)) // row_len if row_len else 0
    return xp.reshape(x, (1, rows, row_len))


def _one_value_check(
    values_per_channel: int, x: Array, fn: str, what: str = "value per channel"
) -> None:
    if values_per_channel == 1:
        raise NormError(
            f"{fn}: expected more than 1 {what} when training, got input of shape {_shape(x)}"
        )


def _inv_std(var: Array, eps: float, xp: ModuleType) -> Array:
    return 1.0 / xp.sqrt(var + eps)


def _ema(old: Array, batch_stat: Array, momentum: float, xp: ModuleType) -> Array:
    """PyTorch's running update ``(1 - momentum) * old + momentum * batch``, in old's dtype."""
    new = (1.0 - momentum) * xp.astype(old, xp.float64) + momentum * batch_stat
    return xp.astype(new, old.dtype)


def _copy(p: Array, xp: ModuleType) -> Array:
    return None if p is None else xp.asarray(p, copy=True)


# --------------------------------------------------------------------------- batch norm


def batch_norm(
    input: Array,
    running_mean: Array | None,
    running_var: Array | None,
    weight: Array | None = None,
    bias: Array | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[Array, Array | None, Array | None]:
    """Batch norm over every axis but 1: ``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias``.

    input ``(N, C, *S)``; running stats, weight, bias ``(C,)`` or None. Training normalizes
    with the batch mean and biased variance and returns running stats updated as
    ``(1 - momentum) * old + momentum * stat`` with the *unbiased* variance; eval uses the
    running stats (required) and returns copies of them.

    >>> y, rm, rv = batch_norm(np.ones((4, 3)), np.zeros(3), np.ones(3), training=True)
    """
    xp = namespace(input, running_mean, running_var, weight, bias)
    fn = "batch_norm"
    x = _check_input(input, xp, fn, min_ndim=2)
    c = _shape(x)[1]
    running_mean = _check_param(running_mean, (c,), xp, "running_mean", x)
    running_var = _check_param(running_var, (c,), xp, "running_var", x)
    weight = _check_param(weight, (c,), xp, "weight", x)
    bias = _check_param(bias, (c,), xp, "bias", x)
    x3 = _nc_view(x, xp)
    count = x3.shape[0] * x3.shape[2]
    if training:
        momentum = _check_momentum(momentum, fn)
        _one_value_check(count, x, fn)
        if count == 0:  # PyTorch: empty output, running stats untouched
            return xp.empty_like(x), _copy(running_mean, xp), _copy(running_var, xp)
        mean, var = _stats.channel_moments(x3, xp)
        new_mean = None if running_mean is None else _ema(running_mean, mean, momentum, xp)
        new_var = (
            None
            if running_var is None
            else _ema(running_var, var * (count / (count - 1)), momentum, xp)
        )
    else:
        if running_mean is None or running_var is None:
            raise NormError(
                f"{fn}: running_mean and running_var must be given in evaluation mode "
                f"(training=False); input shape {_shape(x)}"
            )
        mean, var = _f64(running_mean, xp), _f64(running_var, xp)
        new_mean, new_var = _copy(running_mean, xp), _copy(running_var, xp)
    out = _normalize_channels(x3, mean, var, weight, bias, eps, xp)
    return xp.reshape(out, _shape(x)), new_mean, new_var


def _normalize_channels(
    x3: Array, mean: Array, var: Array, weight: Array, bias: Array, eps: float, xp: ModuleType
) -> Array:
    """Per-channel ``(x - mean) * weight / sqrt(var + eps) + bias`` on an (A, C, B) view."""
    inv = _inv_std(var, eps, xp)
    scale = inv if weight is None else inv * _f64(weight, xp)
    return _stats.apply_channel(x3, mean, scale, _f64(bias, xp), xp, spread=1.0 / inv)


def batch_norm_backward(
    grad_output: Array,
    input: Array,
    weight: Array | None = None,
    eps: float = 1e-5,
) -> tuple[Array, Array | None, Array | None]:
    """Gradients of training-mode batch norm (batch mean, biased variance).

    ``dx = weight / (n * std) * (n * dy - sum(dy) - x_hat * sum(dy * x_hat))`` with sums per
    channel over the ``n = N * prod(S)`` values; ``dweight = sum(dy * x_hat)``,
    ``dbias = sum(dy)`` (both None when ``weight`` is None). grad_output, input ``(N, C, *S)``.

    >>> dx, dw, db = batch_norm_backward(np.ones((4, 3)), np.arange(12.).reshape(4, 3), np.ones(3))
    """
    xp = namespace(grad_output, input, weight)
    fn = "batch_norm_backward"
    x = _check_input(input, xp, fn, min_ndim=2)
    dy = _check_grad(grad_output, x, xp, fn)
    c = _shape(x)[1]
    weight = _check_param(weight, (c,), xp, "weight", x)
    x3, dy3 = _nc_view(x, xp), _nc_view(dy, xp)
    count = x3.shape[0] * x3.shape[2]
    _one_value_check(count, x, fn)
    if count == 0:
        zeros = None if weight is None else xp.zeros_like(weight)
        return xp.zeros_like(x), zeros, None if zeros is None else xp.zeros_like(weight)
    mean, var, sum_dy, sum_dy_xc = _stats.channel_moments_grad(x3, dy3, xp)
    inv = _inv_std(var, eps, xp)
    grad_weight = sum_dy_xc * inv
    dy_scale = inv if weight is None else inv * _f64(weight, xp)
    dx = _stats.apply_channel(
        x3,
        mean,
        -dy_scale * inv * grad_weight / count,
        -dy_scale * sum_dy / count,
        xp,
        extra=(dy3, dy_scale),
        spread=1.0 / inv,
    )
    dx = xp.reshape(dx, _shape(x))
    if weight is None:
        return dx, None, None
    return dx, _cast_like(grad_weight, weight, xp), _cast_like(sum_dy, weight, xp)


# --------------------------------------------------------------------------- instance norm


def instance_norm(
    input: Array,
    running_mean: Array | None = None,
    running_var: Array | None = None,
    weight: Array | None = None,
    bias: Array | None = None,
    use_input_stats: bool = True,
    momentum: float | None = 0.1,
    eps: float = 1e-5,
) -> tuple[Array, Array | None, Array | None]:
    """Instance norm: statistics per (sample, channel) over the spatial axes ``S``.

    input ``(N, C, *S)``; running stats, weight, bias ``(C,)`` or None. With
    ``use_input_stats`` the running stats (when given) move toward the *batch average* of the
    per-instance mean and unbiased variance; otherwise the running stats normalize.
    ``momentum=None`` means 0 (PyTorch's InstanceNorm modules pass 0 for None).

    >>> y, _, _ = instance_norm(np.random.rand(2, 3, 5))
    """
    xp = namespace(input, running_mean, running_var, weight, bias)
    fn = "instance_norm"
    x = _check_input(input, xp, fn, min_ndim=2)
    n, c = _shape(x)[:2]
    running_mean = _check_param(running_mean, (c,), xp, "running_mean", x)
    running_var = _check_param(running_var, (c,), xp, "running_var", x)
    weight = _check_param(weight, (c,), xp, "weight", x)
    bias = _check_param(bias, (c,), xp, "bias", x)
    x3 = _nc_view(x, xp)
    spatial = x3.shape[2]
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise NormError(
                f"{fn}: running_mean and running_var must be given when use_input_stats=False; "
                f"input shape {_shape(x)}"
            )
        out = _normalize_channels(
            x3, _f64(running_mean, xp), _f64(running_var, xp), weight, bias, eps, xp
        )
        return xp.reshape(out, _shape(x)), _copy(running_mean, xp), _copy(running_var, xp)
    momentum = 0.0 if momentum is None else _check_momentum(momentum, fn)
    _one_value_check(spatial, x, fn, "spatial element")
    if n * c * spatial == 0:
        return xp.empty_like(x), _copy(running_mean, xp), _copy(running_var, xp)
    rows = xp.reshape(x3, (1, n * c, spatial))
    mean, var = _stats.channel_moments(rows, xp)
    new_mean = new_var = None
    if running_mean is not None:
        batch_mean = xp.mean(xp.reshape(mean, (n, c)), axis=0)
        new_mean = _ema(running_mean, batch_mean, momentum, xp)
    if running_var is not None:
        batch_var = xp.mean(xp.reshape(var, (n, c)), axis=0) * (spatial / (spatial - 1))
        new_var = _ema(running_var, batch_var, momentum, xp)
    scale = _inv_std(var, eps, xp)
    shift = None
    if weight is not None:
        scale = scale * _tile_rows(_f64(weight, xp), n, xp)
    if bias is not None:
        shift = _tile_rows(_f64(bias, xp), n, xp)
    out = _stats.apply_channel(rows, mean, scale, shift, xp, spread=xp.sqrt(var + eps))
    return xp.reshape(out, _shape(x)), new_mean, new_var


def _tile_rows(v: Array, n: int, xp: ModuleType) -> Array:
    """A per-channel ``(C,)`` vector repeated for each of ``n`` samples: ``(n * C,)``."""
    return xp.reshape(xp.broadcast_to(v[None, :], (n, v.shape[0])), (n * v.shape[0],))


# --------------------------------------------------------------------------- layer norm


def layer_norm(
    input: Array,
    normalized_shape: ShapeLike,
    weight: Array | None = None,
    bias: Array | None = None,
    eps: float = 1e-5,
) -> Array:
    """Layer norm over the trailing ``normalized_shape`` axes: ``(x - mean) / sqrt(var + eps) * w + b``.

    input ``(*, *normalized_shape)``; weight, bias ``normalized_shape`` or None (each on its
    own); ``normalized_shape`` an int or a tuple. Biased variance.

    >>> layer_norm(np.random.rand(2, 5), 5).shape
    (2, 5)
    """
    xp = namespace(input, weight, bias)
    fn = "layer_norm"
    x = _check_input(input, xp, fn, min_ndim=1)
    shape = _normalized_shape(normalized_shape, x, fn)
    weight = _check_param(weight, shape, xp, "weight", x)
    bias = _check_param(bias, shape, xp, "bias", x)
    row_len = _prod(shape)
    rows = _rows_view(x, row_len, xp)
    if rows.size == 0:
        return xp.empty_like(x)
    mean, var = _stats.channel_moments(rows, xp)
    inv = _inv_std(var, eps, xp)
    out = _stats.apply_channel(
        rows,
        mean,
        inv,
        None,
        xp,
        spread=1.0 / inv,
        col_scale=None if weight is None else xp.reshape(weight, (row_len,)),
        col_shift=None if bias is None else xp.reshape(bias, (row_len,)),
    )
    return xp.reshape(out, _shape(x))


def _centered_backward(
    g: Array, x_hat: Array, inv: Array, axes: tuple[int, ...], xp: ModuleType
) -> Array:
    """``d/dx`` of ``x_hat = (x - mean) * inv`` given ``g = dL/dx_hat``, stats over ``axes``."""
    g_mean = xp.mean(g, axis=axes, keepdims=True)
    gx_mean = xp.mean(g * x_hat, axis=axes, keepdims=True)
    return inv * (g - g_mean - x_hat * gx_mean)


def layer_norm_backward(
    grad_output: Array,
    input: Array,
    normalized_shape: ShapeLike,
    weight: Array | None = None,
    bias: Array | None = None,
    eps: float = 1e-5,
) -> tuple[Array, Array | None, Array | None]:
    """Gradients of :func:`layer_norm`: ``(dx, dweight, dbias)``.

    ``dx = (g - mean(g) - x_hat * mean(g * x_hat)) / std`` per row with ``g = dy * weight``;
    ``dweight = sum(dy * x_hat)``, ``dbias = sum(dy)`` over the leading axes (None when the
    parameter is None).

    >>> dx, dw, db = layer_norm_backward(np.ones((2, 5)), np.random.rand(2, 5), 5, np.ones(5), np.zeros(5))
    """
    xp = namespace(grad_output, input, weight, bias)
    fn = "layer_norm_backward"
    x = _check_input(input, xp, fn, min_ndim=1)
    dy = _check_grad(grad_output, x, xp, fn)
    shape = _normalized_shape(normalized_shape, x, fn)
    weight = _check_param(weight, shape, xp, "weight", x)
    bias = _check_param(bias, shape, xp, "bias", x)
    row_len = _prod(shape)
    rows = _rows_view(x, row_len, xp)
    n_rows = rows.shape[1]
    mean, var = _stats.channel_moments(rows, xp) if rows.size else (None, None)
    x2 = xp.astype(xp.reshape(x, (n_rows, row_len)), xp.float64)
    dy2 = xp.astype(xp.reshape(dy, (n_rows, row_len)), xp.float64)
    if rows.size:
        inv = _inv_std(var, eps, xp)[:, None]
        x_hat = (x2 - mean[:, None]) * inv
    else:
        inv = x_hat = x2
    g = dy2 if weight is None else dy2 * xp.reshape(_f64(weight, xp), (1, row_len))
    dx = xp.astype(_centered_backward(g, x_hat, inv, (1,), xp), x.dtype)
    grad_weight = grad_bias = None
    if weight is not None:
        grad_weight = xp.astype(xp.reshape(xp.sum(dy2 * x_hat, axis=0), shape), weight.dtype)
    if bias is not None:
        grad_bias = xp.astype(xp.reshape(xp.sum(dy2, axis=0), shape), bias.dtype)
    return xp.reshape(dx, _shape(x)), grad_weight, grad_bias


# --------------------------------------------------------------------------- group norm


def _check_groups(num_groups: Any, x: Array, fn: str) -> int:
    c = _shape(x)[1]
    if isinstance(num_groups, bool) or not isinstance(num_groups, Integral) or num_groups < 1:
        raise NormError(f"{fn}: num_groups must be a positive int, got {num_groups!r}")
    if c % int(num_groups):
        raise NormError(
            f"{fn}: expected the number of channels to be divisible by num_groups, got input "
            f"of shape {_shape(x)} and num_groups={num_groups}"
        )
    return int(num_groups)


def _group_stats(x: Array, groups: int, eps: float, xp: ModuleType, fn: str) -> tuple[Array, Array]:
    """Per-(sample, group) float64 mean and 1/std, shape ``(N * G,)``."""
    n, c = _shape(x)[:2]
    spatial = _prod(_shape(x)[2:])
    # PyTorch checks "more than 1 value" on the shape (N * C / G, G, *S), as batch norm would.
    _one_value_check(n * c // groups * spatial, x, fn)
    rows = xp.reshape(x, (1, n * groups, c // groups * spatial))
    mean, var = _stats.channel_moments(rows, xp)
    return mean, _inv_std(var, eps, xp)


def group_norm(
    input: Array,
    num_groups: int,
    weight: Array | None = None,
    bias: Array | None = None,
    eps: float = 1e-5,
) -> Array:
    """Group norm: channels split into ``num_groups`` contiguous groups, stats per (sample, group).

    input ``(N, C, *S)`` with ``C % num_groups == 0``; weight, bias ``(C,)`` or None.
    ``y = (x - mean_ng) / sqrt(var_ng + eps) * weight_c + bias_c``, biased variance.

    >>> group_norm(np.random.rand(2, 4, 3), 2).shape
    (2, 4, 3)
    """
    xp = namespace(input, weight, bias)
    fn = "group_norm"
    x = _check_input(input, xp, fn, min_ndim=2)
    groups = _check_groups(num_groups, x, fn)
    n, c = _shape(x)[:2]
    weight = _check_param(weight, (c,), xp, "weight", x)
    bias = _check_param(bias, (c,), xp, "bias", x)
    if _prod(_shape(x)) == 0:
        _one_value_check(n * c // groups * _prod(_shape(x)[2:]), x, fn)
        return xp.empty_like(x)
    mean, inv = _group_stats(x, groups, eps, xp, fn)
    per_group = c // groups

    def per_channel(v: Array) -> Array:  # (N * G,) -> (N * C,)
        v = xp.broadcast_to(xp.reshape(v, (n * groups, 1)), (n * groups, per_group))
        return xp.reshape(v, (n * c,))

    scale = per_channel(inv)
    if weight is not None:
        scale = scale * _tile_rows(_f64(weight, xp), n, xp)
    shift = None if bias is None else _tile_rows(_f64(bias, xp), n, xp)
    rows = xp.reshape(x, (1, n * c, _prod(_shape(x)[2:])))
    out = _stats.apply_channel(
        rows, per_channel(mean), scale, shift, xp, spread=per_channel(1.0 / inv)
    )
    return xp.reshape(out, _shape(x))


def group_norm_backward(
    grad_output: Array,
    input: Array,
    num_groups: int,
    weight: Array | None = None,
    bias: Array | None = None,
    eps: float = 1e-5,
) -> tuple[Array, Array | None, Array | None]:
    """Gradients of :func:`group_norm`: ``(dx, dweight, dbias)``, the layer-norm formula per group.

    ``dweight_c = sum(dy * x_hat)``, ``dbias_c = sum(dy)`` over N and S (None when the
    parameter is None).

    >>> dx, dw, db = group_norm_backward(np.ones((2, 4, 3)), np.random.rand(2, 4, 3), 2, np.ones(4), np.zeros(4))
    """
    xp = namespace(grad_output, input, weight, bias)
    fn = "group_norm_backward"
    x = _check_input(input, xp, fn, min_ndim=2)
    dy = _check_grad(grad_output, x, xp, fn)
    groups = _check_groups(num_groups, x, fn)
    n, c = _shape(x)[:2]
    weight = _check_param(weight, (c,), xp, "weight", x)
    bias = _check_param(bias, (c,), xp, "bias", x)
    spatial = _prod(_shape(x)[2:])
    shape4 = (n, groups, c // groups, spatial)
    if _prod(_shape(x)) == 0:
        _one_value_check(n * c // groups * spatial, x, fn)
        zero = None if weight is None else xp.zeros_like(weight)
        return xp.zeros_like(x), zero, None if bias is None else xp.zeros_like(bias)
    mean, inv = _group_stats(x, groups, eps, xp, fn)
    mean = xp.reshape(mean, (n, groups, 1, 1))
    inv = xp.reshape(inv, (n, groups, 1, 1))
    x4 = xp.astype(xp.reshape(x, shape4), xp.float64)
    dy4 = xp.astype(xp.reshape(dy, shape4), xp.float64)
    x_hat = (x4 - mean) * inv
    g = dy4 if weight is None else dy4 * xp.reshape(_f64(weight, xp), (1, groups, c // groups, 1))
    dx = xp.astype(_centered_backward(g, x_hat, inv, (2, 3), xp), x.dtype)
    grad_weight = grad_bias = None
    if weight is not None:
        grad_weight = xp.astype(xp.reshape(xp.sum(dy4 * x_hat, axis=(0, 3)), (c,)), weight.dtype)
    if bias is not None:
        grad_bias = xp.astype(xp.reshape(xp.sum(dy4, axis=(0, 3)), (c,)), bias.dtype)
    return xp.reshape(dx, _shape(x)), grad_weight, grad_bias


# --------------------------------------------------------------------------- RMS norm


def _rms_eps(eps: float | None, x: Array, xp: ModuleType) -> float:
    return float(xp.finfo(x.dtype).eps) if eps is None else float(eps)


def rms_norm(
    input: Array,
    normalized_shape: ShapeLike,
    weight: Array | None = None,
    eps: float | None = None,
) -> Array:
    """RMS norm over the trailing axes: ``y = x / sqrt(mean(x**2) + eps) * weight``.

    input ``(*, *normalized_shape)``; weight ``normalized_shape`` or None; ``eps=None`` means
    the machine epsilon of the input's dtype (``np.finfo(x.dtype).eps``), as in PyTorch.

    >>> rms_norm(np.random.rand(2, 5), 5).shape
    (2, 5)
    """
    xp = namespace(input, weight)
    fn = "rms_norm"
    x = _check_input(input, xp, fn, min_ndim=1)
    shape = _normalized_shape(normalized_shape, x, fn)
    weight = _check_param(weight, shape, xp, "weight", x)
    row_len = _prod(shape)
    rows = _rows_view(x, row_len, xp)
    if rows.size == 0:
        return xp.empty_like(x)
    mean_square = _stats.channel_mean_square(rows, xp)
    out = _stats.apply_channel(
        rows,
        None,
        _inv_std(mean_square, _rms_eps(eps, x, xp), xp),
        None,
        xp,
        col_scale=None if weight is None else xp.reshape(weight, (row_len,)),
    )
    return xp.reshape(out, _shape(x))


def rms_norm_backward(
    grad_output: Array,
    input: Array,
    normalized_shape: ShapeLike,
    weight: Array | None = None,
    eps: float | None = None,
) -> tuple[Array, Array | None]:
    """Gradients of :func:`rms_norm`: ``(dx, dweight)``.

    With ``r = 1 / sqrt(mean(x**2) + eps)`` and ``g = dy * weight`` per row:
    ``dx = r * g - x * r**3 * mean(g * x)``; ``dweight = sum(dy * x * r)`` over the leading
    axes (None when ``weight`` is None).

    >>> dx, dw = rms_norm_backward(np.ones((2, 5)), np.random.rand(2, 5), 5, np.ones(5))
    """
    xp = namespace(grad_output, input, weight)
    fn = "rms_norm_backward"
    x = _check_input(input, xp, fn, min_ndim=1)
    dy = _check_grad(grad_output, x, xp, fn)
    shape = _normalized_shape(normalized_shape, x, fn)
    weight = _check_param(weight, shape, xp, "weight", x)
    row_len = _prod(shape)
    n_rows = _prod(_shape(x)) // row_len if row_len else 0
    x2 = xp.astype(xp.reshape(x, (n_rows, row_len)), xp.float64)
    dy2 = xp.astype(xp.reshape(dy, (n_rows, row_len)), xp.float64)
    r = _inv_std(xp.mean(x2 * x2, axis=1, keepdims=True), _rms_eps(eps, x, xp), xp)
    g = dy2 if weight is None else dy2 * xp.reshape(_f64(weight, xp), (1, row_len))
    dx = r * g - x2 * (r * r * r) * xp.mean(g * x2, axis=1, keepdims=True)
    dx = xp.reshape(xp.astype(dx, x.dtype), _shape(x))
    if weight is None:
        return dx, None
    grad_weight = xp.reshape(xp.sum(dy2 * x2 * r, axis=0), shape)
    return dx, xp.astype(grad_weight, weight.dtype)
