"""Interview extras: stable moments, streaming (Welford) statistics, standardization, BN folding,
synchronized-BN statistics, weight norm and spectral norm references.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Integral
from typing import Any

import numpy as np

from . import _stats
from ._compat import as_array, namespace
from .errors import NormError

__all__ = [
    "moments",
    "Welford",
    "welford",
    "minmax_scale",
    "zscore",
    "fold_batchnorm",
    "combine_batch_stats",
    "weight_norm",
    "spectral_norm",
]

Array = Any
Axis = int | Sequence[int] | None


def _axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, Integral) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise NormError(f"axis {a} is out of range for an array with {ndim} dimensions")
    normalized = tuple(sorted({a % ndim for a in axes}))
    if len(normalized) != len(axes):
        raise NormError(f"repeated axis in {axis!r}")
    return normalized


def moments(
    x: Array, /, axis: Axis = None, *, correction: float = 0, keepdims: bool = False
) -> tuple[Array, Array]:
    """Float64 ``(mean, var)`` over ``axis``: ``var = sum((x - mean)**2) / (n - correction)``.

    Exact two-pass per cache-sized tile, tiles merged with Chan's formula: accurate when the
    mean is large relative to the spread. ``axis`` an int, tuple or None (all axes).

    >>> moments(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    (array([2., 3.]), array([1., 1.]))
    """
    xp = namespace(x)
    x = as_array(x, xp, "x")
    if not (xp.isdtype(x.dtype, "real floating") or xp.isdtype(x.dtype, "integral")):
        raise NormError(f"moments: x must be a real array, got dtype {x.dtype}")
    if xp.isdtype(x.dtype, "integral"):
        x = xp.astype(x, xp.float64)
    axes = _axes(axis, x.ndim)
    x3, kept_shape = _stats.as_acb(x, axes, xp)
    count = x3.shape[0] * x3.shape[2]
    if count - correction <= 0:
        raise NormError(
            f"moments: {count} values per statistic over axis {axis} of shape "
            f"{tuple(x.shape)} leave no degrees of freedom for correction={correction}"
        )
    mean, var = _stats.channel_moments(x3, xp)
    if correction:
        var = var * (count / (count - correction))
    shape = (
        tuple(1 if a in axes else int(s) for a, s in enumerate(x.shape)) if keepdims else kept_shape
    )
    return xp.reshape(mean, shape), xp.reshape(var, shape)


class Welford:
    """Streaming mean and variance, exact and stable: Welford per value, Chan per batch.

    Statistics have shape ``shape``; :meth:`update` takes one observation of that shape,
    :meth:`update_batch` a batch stacked along ``axis``; :meth:`merge` combines two
    accumulators (what synchronized batch norm does across devices). Float64 throughout.

    >>> w = Welford(); w.update(1.0); w.update(3.0); (w.count, w.mean, w.var())
    (2, array(2.), array(1.))
    """

    def __init__(self, shape: int | Sequence[int] = ()) -> None:
        shape = (shape,) if isinstance(shape, Integral) else tuple(shape)
        self.count = 0
        self.mean = np.zeros(shape)
        self.m2 = np.zeros(shape)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.mean.shape

    def update(self, value: Array) -> Welford:
        """Add one observation: ``delta = x - mean; mean += delta / n; m2 += delta * (x - mean)``."""
        value = np.asarray(value, dtype=np.float64)
        if value.shape != self.shape:
            raise NormError(f"Welford.update: expected shape {self.shape}, got {value.shape}")
        self.count += 1
        delta = value - self.mean
        self.mean = self.mean + delta / self.count
        self.m2 = self.m2 + delta * (value - self.mean)
        return self

    def update_batch(self, batch: Array, axis: int = 0) -> Welford:
        """Add every observation of ``batch`` (observations along ``axis``)."""
        batch = np.asarray(batch)
        if batch.ndim != len(self.shape) + 1:
            raise NormError(
                f"Welford.update_batch: expected {len(self.shape) + 1} dimensions "
                f"(observations along axis {axis}), got shape {batch.shape}"
            )
        n = batch.shape[axis]
        if n == 0:
            return self
        mean, var = moments(batch, axis=axis)
        if mean.shape != self.shape:
            raise NormError(
                f"Welford.update_batch: statistics of shape {mean.shape}, expected {self.shape}"
            )
        return self._merge(n, mean, var * n)

    def merge(self, other: Welford) -> Welford:
        """Fold another accumulator's observations into this one."""
        if other.shape != self.shape:
            raise NormError(f"Welford.merge: shapes {self.shape} and {other.shape} differ")
        return self._merge(other.count, other.mean, other.m2)

    def _merge(self, n: int, mean: Array, m2: Array) -> Welford:
        if n == 0:
            return self
        total, new_mean, new_m2 = _stats.combine_moments(
            [self.count, n],
            np.stack([self.mean.reshape(-1), np.asarray(mean).reshape(-1)]),
            np.stack([self.m2.reshape(-1), np.asarray(m2).reshape(-1)]),
        )
        self.count = int(total)
        self.mean = new_mean.reshape(self.shape)
        self.m2 = new_m2.reshape(self.shape)
        return self

    def var(self, correction: float = 0) -> Array:
        """``m2 / (count - correction)``; NaN while there are too few observations."""
        dof = self.count - correction
        return self.m2 / dof if dof > 0 else np.full(self.shape, np.nan)


def welford(
    batches: Iterable[Array], axis: int = 0, *, correction: float = 0
) -> tuple[int, Array, Array]:
    """``(count, mean, var)`` of batches streamed one at a time (each stacked along ``axis``).

    >>> welford([np.ones((2, 3)), np.zeros((2, 3))])[1]
    array([0.5, 0.5, 0.5])
    """
    acc: Welford | None = None
    for batch in batches:
        batch = np.asarray(batch)
        if acc is None:
            acc = Welford(tuple(s for a, s in enumerate(batch.shape) if a != axis % batch.ndim))
        acc.update_batch(batch, axis=axis)
    if acc is None or acc.count == 0:
        raise NormError("welford: no observations")
    return acc.count, acc.mean, acc.var(correction)


def _float_input(x: Array, xp: Any, fn: str) -> Array:
    x = as_array(x, xp, "x")
    if xp.isdtype(x.dtype, "integral") or xp.isdtype(x.dtype, "bool"):
        return xp.astype(x, xp.float64)
    if not xp.isdtype(x.dtype, "real floating"):
        raise NormError(f"{fn}: x must be a real array, got dtype {x.dtype}")
    return x


def minmax_scale(
    x: Array, /, axis: Axis = 0, *, feature_range: tuple[float, float] = (0.0, 1.0)
) -> Array:
    """Min-max scaling: ``lo + (x - min) / (max - min) * (hi - lo)`` with min/max over ``axis``.

    A constant slice (``max == min``) maps to ``lo`` (scikit-learn's convention). Float input
    keeps its dtype; integer input becomes float64.

    >>> minmax_scale(np.array([[0.0], [5.0], [10.0]]))[:, 0]
    array([0. , 0.5, 1. ])
    """
    xp = namespace(x)
    x = _float_input(x, xp, "minmax_scale")
    lo, hi = (float(v) for v in feature_range)
    if not lo < hi:
        raise NormError(
            f"minmax_scale: feature_range must be (lo, hi) with lo < hi, got {feature_range}"
        )
    axes = _axes(axis, x.ndim)
    x64 = xp.astype(x, xp.float64)
    low = xp.min(x64, axis=axes, keepdims=True)
    span = xp.max(x64, axis=axes, keepdims=True) - low
    span = xp.where(span == 0, xp.ones_like(span), span)
    return xp.astype(lo + (x64 - low) / span * (hi - lo), x.dtype)


def zscore(x: Array, /, axis: Axis = 0, *, correction: float = 0, eps: float = 0.0) -> Array:
    """Standardization: ``(x - mean) / sqrt(var + eps)`` with float64 stats over ``axis``.

    ``correction=1`` uses the sample (unbiased) variance. A slice with zero variance (and
    ``eps=0``) maps to 0 rather than NaN (scikit-learn's StandardScaler convention).

    >>> zscore(np.array([[1.0], [3.0]]))[:, 0]
    array([-1.,  1.])
    """
    xp = namespace(x)
    x = _float_input(x, xp, "zscore")
    mean, var = moments(x, axis=axis, correction=correction, keepdims=True)
    denom = xp.sqrt(var + eps)
    denom = xp.where(denom == 0, xp.ones_like(denom), denom)
    return xp.astype((xp.astype(x, xp.float64) - mean) / denom, x.dtype)


def fold_batchnorm(
    weight: Array,
    bias: Array | None,
    gamma: Array,
    beta: Array,
    running_mean: Array,
    running_var: Array,
    eps: float = 1e-5,
) -> tuple[Array, Array]:
    """Fold an eval-mode batch norm into the linear/conv layer before it: ``layer'(x) == bn(layer(x))``.

    ``s = gamma / sqrt(running_var + eps)``; ``W' = W * s`` along the output axis 0;
    ``b' = (b - running_mean) * s + beta``. weight ``(C_out, C_in, *K)``; bias ``(C_out,)``
    or None (zeros); the rest ``(C_out,)``. Outputs have weight's dtype.

    >>> w, b = fold_batchnorm(np.ones((2, 3)), None, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), eps=0.0)
    """
    xp = namespace(weight, bias, gamma, beta, running_mean, running_var)
    weight = as_array(weight, xp, "weight")
    if weight.ndim < 2 or not xp.isdtype(weight.dtype, "real floating"):
        raise NormError(
            f"fold_batchnorm: weight must be a float array of shape (C_out, C_in, *K), "
            f"got shape {tuple(weight.shape)} and dtype {weight.dtype}"
        )
    c_out = int(weight.shape[0])
    vectors = {}
    for name, v in (
        ("bias", bias),
        ("gamma", gamma),
        ("beta", beta),
        ("running_mean", running_mean),
        ("running_var", running_var),
    ):
        if v is None and name == "bias":
            continue
        if v is None:
            raise NormError(f"fold_batchnorm: {name} is required")
        v = as_array(v, xp, name)
        if tuple(v.shape) != (c_out,):
            raise NormError(
                f"fold_batchnorm: {name} should have shape ({c_out},) to match weight of shape "
                f"{tuple(weight.shape)}, got shape {tuple(v.shape)}"
            )
        vectors[name] = xp.astype(v, xp.float64)
    scale = vectors["gamma"] / xp.sqrt(vectors["running_var"] + eps)
    b = vectors.get("bias")
    centered = -vectors["running_mean"] if b is None else b - vectors["running_mean"]
    folded_bias = centered * scale + vectors["beta"]
    scale_nd = xp.reshape(scale, (c_out,) + (1,) * (weight.ndim - 1))
    folded_weight = xp.astype(weight, xp.float64) * scale_nd
    return xp.astype(folded_weight, weight.dtype), xp.astype(folded_bias, weight.dtype)


def combine_batch_stats(counts: Array, means: Array, variances: Array) -> tuple[int, Array, Array]:
    """Synchronized batch norm: merge per-shard ``(count, mean, biased var)`` exactly.

    ``mean = sum(n_k * mean_k) / n``; ``var = (sum(n_k * var_k) + sum(n_k * (mean_k - mean)**2)) / n``
    (Chan's formula, no ``E[x^2] - E[x]^2``). counts ``(K,)`` non-negative integers; means,
    variances ``(K, C)``. Shards with count 0 are ignored; all counts 0 raises.

    >>> combine_batch_stats(np.array([2, 2]), np.array([[0.0], [2.0]]), np.array([[1.0], [1.0]]))
    (4, array([1.]), array([2.]))
    """
    counts = np.asarray(counts)
    xp = namespace(means, variances)
    means = as_array(means, xp, "means")
    variances = as_array(variances, xp, "variances")
    if counts.ndim != 1:
        raise NormError(f"combine_batch_stats: counts must have shape (K,), got {counts.shape}")
    k = counts.shape[0]
    if means.ndim != 2 or tuple(means.shape) != tuple(variances.shape) or means.shape[0] != k:
        raise NormError(
            f"combine_batch_stats: expected counts (K,), means (K, C) and variances (K, C) with "
            f"one K; got counts {counts.shape}, means {tuple(means.shape)}, variances "
            f"{tuple(variances.shape)}"
        )
    if counts.dtype.kind == "f" and np.all(counts == np.round(counts)):
        counts = counts.astype(np.int64)
    if counts.dtype.kind not in "iu":
        raise NormError(f"combine_batch_stats: counts must be integers, got dtype {counts.dtype}")
    if np.any(counts < 0):
        raise NormError(f"combine_batch_stats: counts must be >= 0, got {counts.tolist()}")
    total = int(counts.sum())
    if total == 0:
        raise NormError("combine_batch_stats: all shard counts are 0; there is nothing to combine")
    keep = np.nonzero(counts)[0]
    if xp is np:
        m = np.asarray(means[keep], dtype=np.float64)
        v = np.asarray(variances[keep], dtype=np.float64)
        n = counts[keep]
        _, mean, m2 = _stats.combine_moments(n, m, v * n[:, None].astype(np.float64))
    else:
        idx = xp.asarray(keep, device=_device(means))
        m = xp.astype(xp.take(means, idx, axis=0), xp.float64)
        v = xp.astype(xp.take(variances, idx, axis=0), xp.float64)
        n = xp.asarray(counts[keep].astype(np.float64), device=_device(means))[:, None]
        mean = xp.sum(n * m, axis=0) / total
        m2 = xp.sum(n * v, axis=0) + xp.sum(n * (m - mean) ** 2, axis=0)
    return total, xp.astype(mean, means.dtype), xp.astype(m2 / total, variances.dtype)


def _device(x: Array) -> Any:
    from ._compat import device_of

    return device_of(x)


def weight_norm(v: Array, g: Array, dim: int | None = 0) -> Array:
    """Weight normalization: ``w = g * v / ||v||``, the norm over every axis but ``dim``.

    v any shape; g ``(v.shape[dim],)`` or the keepdims shape (size 1 except at ``dim``);
    ``dim=None`` uses the norm of the whole tensor and a scalar g. Float64 math, v's dtype out.

    >>> weight_norm(np.array([[3.0, 4.0]]), np.array([10.0]))
    array([[6., 8.]])
    """
    xp = namespace(v, g)
    v = as_array(v, xp, "v")
    g = as_array(g, xp, "g")
    if not xp.isdtype(v.dtype, "real floating"):
        raise NormError(f"weight_norm: v must have a floating dtype, got {v.dtype}")
    v64 = xp.astype(v, xp.float64)
    if dim is None:
        norm = xp.sqrt(xp.sum(v64 * v64))
        g_shape: tuple[int, ...] = ()
    else:
        d = dim % v.ndim
        axes = tuple(a for a in range(v.ndim) if a != d)
        norm = xp.sqrt(xp.sum(v64 * v64, axis=axes, keepdims=True))
        g_shape = tuple(int(v.shape[d]) if a == d else 1 for a in range(v.ndim))
    if g.size != (int(np.prod(g_shape)) if g_shape else 1):
        raise NormError(
            f"weight_norm: g of shape {tuple(g.shape)} does not fit v of shape {tuple(v.shape)} "
            f"with dim={dim} (expected {g_shape[dim % v.ndim] if g_shape else 1} values)"
        )
    g64 = xp.reshape(xp.astype(g, xp.float64), g_shape)
    return xp.astype(g64 * v64 / norm, v.dtype)


def spectral_norm(
    weight: Array,
    u: Array | None = None,
    *,
    n_power_iterations: int = 1,
    dim: int = 0,
    eps: float = 1e-12,
) -> tuple[Array, Array, Array | None, Array | None]:
    """Spectral normalization: ``(weight / sigma, sigma, u, v)`` with ``sigma`` the top singular value.

    ``weight`` is viewed as a matrix ``(weight.shape[dim], -1)``. With ``u`` (shape
    ``(weight.shape[dim],)``) this is PyTorch's power iteration, ``n_power_iterations`` times
    ``v = normalize(W^T u); u = normalize(W v)`` then ``sigma = u . W v`` (normalize divides
    by ``max(||.||, eps)``); with ``u=None`` sigma is exact (SVD) and u, v are None.

    >>> spectral_norm(np.diag([3.0, 1.0]))[1]
    3.0
    """
    xp = namespace(weight, u)
    weight = as_array(weight, xp, "weight")
    if weight.ndim < 1 or not xp.isdtype(weight.dtype, "real floating"):
        raise NormError(
            f"spectral_norm: weight must be a float array, got shape {tuple(weight.shape)}"
        )
    w64 = xp.astype(weight, xp.float64)
    d = dim % max(weight.ndim, 1)
    if d != 0:
        w64 = xp.permute_dims(w64, (d,) + tuple(a for a in range(weight.ndim) if a != d))
    rows = int(weight.shape[d])
    mat = xp.reshape(w64, (rows, -1))
    if u is None:
        sigma = float(np.linalg.norm(_to_numpy(mat), 2))
        return xp.astype(xp.astype(weight, xp.float64) / sigma, weight.dtype), sigma, None, None
    u = as_array(u, xp, "u")
    if tuple(u.shape) != (rows,):
        raise NormError(
            f"spectral_norm: u should have shape ({rows},) for weight of shape "
            f"{tuple(weight.shape)} and dim={dim}, got {tuple(u.shape)}"
        )
    if int(n_power_iterations) < 1:
        raise NormError(f"spectral_norm: n_power_iterations must be >= 1, got {n_power_iterations}")
    u64 = xp.astype(u, xp.float64)
    mat_t = xp.permute_dims(mat, (1, 0))

    def normalize(a: Array) -> Array:
        return a / max(float(xp.sqrt(xp.sum(a * a))), eps)

    for _ in range(int(n_power_iterations)):
        v64 = normalize(xp.matmul(mat_t, u64))
        u64 = normalize(xp.matmul(mat, v64))
    sigma = float(xp.sum(u64 * xp.matmul(mat, v64)))
    out = xp.astype(xp.astype(weight, xp.float64) / sigma, weight.dtype)
    return out, sigma, xp.astype(u64, u.dtype), xp.astype(v64, u.dtype)


def _to_numpy(a: Array) -> np.ndarray:
    """A small matrix copied to host memory (exact SVD is only needed for the reference sigma)."""
    if isinstance(a, np.ndarray):
        return a
    if hasattr(a, "get"):  # CuPy
        return a.get()
    return np.asarray(a.detach().cpu() if hasattr(a, "detach") else a)
