"""The mistake catalog: classic wrong implementations, each a callable with the signature and
return structure of the normcore function it imitates, and a plain-language explanation.

The grader runs a wrong answer's inputs through ``mistakes_for(problem_function)`` and
reports the mistake whose output matches. Every ``fn`` is deterministic, NumPy-only, cheap
(float64 internally, the input's dtype out), and may raise :class:`~normcore.NormError`
when the mistake cannot be expressed for the given inputs (for example an input-axis scale
on a non-square weight); callers should treat that as "does not match".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import functional as F
from .errors import NormError
from .extras import combine_batch_stats, fold_batchnorm

__all__ = [
    "Mistake",
    "Operator",
    "CATALOG",
    "SITUATIONAL_MISTAKES",
    "OPERATORS",
    "mistakes_for",
    "get",
    "variant",
]

Array = Any


@dataclass(frozen=True)
class Mistake:
    """One classic wrong implementation of a normcore function."""

    slug: str
    title: str
    explanation: str
    applies_to: str
    fn: Callable[..., Any]


@dataclass(frozen=True)
class Operator:
    """One departure from a normcore function, composable with departures of other knobs:
    ``knobs`` are keyword arguments of the function's variant factory (see ``variant``)."""

    slug: str
    function: str
    phrase: str  # what the code does, completing "The code ..."
    knobs: tuple[tuple[str, Any], ...]


# --------------------------------------------------------------------------- helpers


def _f64(a: Array | None) -> np.ndarray | None:
    return None if a is None else np.asarray(a, dtype=np.float64)


def _channel_axes(x: np.ndarray) -> tuple[int, ...]:
    return (0, *range(2, x.ndim))


def _per_channel(v: np.ndarray, ndim: int) -> np.ndarray:
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _copy(a: Array | None) -> Array | None:
    return None if a is None else np.array(a, copy=True)


def _trailing_axes(x: np.ndarray, normalized_shape: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    shape = (
        (normalized_shape,)
        if isinstance(normalized_shape, int | np.integer)
        else tuple(normalized_shape)
    )
    return tuple(range(x.ndim - len(shape), x.ndim)), shape


# --------------------------------------------------------------------------- batch norm


def _variance(x64: np.ndarray, axes: tuple[int, ...], *, ddof: int = 0, raw: bool = False):
    """The variance over ``axes``; ``raw``: as E[x^2] - E[x]^2 (cancels for large means)."""
    n = int(np.prod([x64.shape[a] for a in axes]))
    if ddof and n <= ddof:
        raise NormError("the unbiased variance needs more than one value")
    if raw:
        var = (x64 * x64).mean(axis=axes, keepdims=True) - x64.mean(axis=axes, keepdims=True) ** 2
        return var * n / (n - ddof)
    return x64.var(axis=axes, keepdims=True, ddof=ddof)


def _std(var: np.ndarray, eps: float, *, outside: bool = False) -> np.ndarray:
    """sqrt(var + eps), or sqrt(var) + eps (eps added to the standard deviation)."""
    return np.sqrt(var) + eps if outside else np.sqrt(var + eps)


def _affine(y, weight, bias, *, shift_then_scale: bool = False):
    """y * weight + bias (either may be None), or (y + bias) * weight."""
    if shift_then_scale and bias is not None:
        y = y + bias
    if weight is not None:
        y = y * weight
    if not shift_then_scale and bias is not None:
        y = y + bias
    return y


def _batch_norm_variant(
    *,
    running_var_biased: bool = False,
    keras_momentum: bool = False,
    stat_axes: str = "channel",
    eps_outside_sqrt: bool = False,
    eval_uses_batch_stats: bool = False,
    affine: bool = True,
    normalize_unbiased: bool = False,
    update_running: bool = True,
    fixed_eps: float | None = None,
    shift_then_scale: bool = False,
    drop_weight: bool = False,
    drop_bias: bool = False,
    raw_moments: bool = False,
    update_in_eval: bool = False,
    fixed_momentum: float | None = None,
    unbiased_count_batch: bool = False,
    default_eps: float = 1e-5,
    eval_without_eps: bool = False,
    training_uses_running_stats: bool = False,
) -> Callable[..., tuple[Array, Array | None, Array | None]]:
    def batch_norm(
        input: Array,
        running_mean: Array | None,
        running_var: Array | None,
        weight: Array | None = None,
        bias: Array | None = None,
        training: bool = False,
        momentum: float = 0.1,
        eps: float = default_eps,
    ) -> tuple[Array, Array | None, Array | None]:
        x = np.asarray(input)
        x64 = x.astype(np.float64)
        eps = eps if fixed_eps is None else fixed_eps
        if eval_without_eps and not training:
            eps = 0.0
        momentum = momentum if fixed_momentum is None else fixed_momentum
        channel_axes = _channel_axes(x)
        count = int(np.prod([x.shape[a] for a in channel_axes]))
        batch = (training and not training_uses_running_stats) or (
            not training and eval_uses_batch_stats
        )
        if batch:
            if stat_axes == "spatial":  # per (sample, channel): instance norm
                if x.ndim < 3:
                    raise NormError("no spatial axes: per-position statistics are the input")
                axes = tuple(range(2, x.ndim))
            elif stat_axes == "axis-0":
                axes = (0,)
            elif stat_axes == "channel" or (stat_axes == "batch-axis" and x.ndim == 2):
                axes = channel_axes if stat_axes == "channel" else tuple(range(x.ndim))
            else:
                axes = (0,)
            mean = x64.mean(axis=axes, keepdims=True)
            var = _variance(x64, axes, ddof=1 if normalize_unbiased else 0, raw=raw_moments)
        else:
            if running_mean is None or running_var is None:
                raise NormError("running_mean and running_var are required in eval mode")
            mean = _per_channel(_f64(running_mean), x.ndim)
            var = _per_channel(_f64(running_var), x.ndim)
        y = (x64 - mean) / _std(var, eps, outside=eps_outside_sqrt)
        y = _affine(
            y,
            None
            if not affine or drop_weight or weight is None
            else _per_channel(_f64(weight), x.ndim),
            None if not affine or drop_bias or bias is None else _per_channel(_f64(bias), x.ndim),
            shift_then_scale=shift_then_scale,
        )
        new_mean, new_var = _copy(running_mean), _copy(running_var)
        if (training or update_in_eval) and update_running:
            if mean.size == 1:  # statistics over all axes: one value for every channel
                batch_mean = np.full(x.shape[1], float(mean.ravel()[0]))
                batch_var = np.full(x.shape[1], float(x64.var()))
                n = x.size
            else:
                batch_mean = x64.mean(axis=channel_axes)
                batch_var = x64.var(axis=channel_axes)
                n = x.shape[0] if unbiased_count_batch else count
            if not running_var_biased and n > 1:
                batch_var = batch_var * n / (n - 1)
            keep, take = (
                (momentum, 1.0 - momentum) if keras_momentum else (1.0 - momentum, momentum)
            )
            if running_mean is not None:
                new_mean = (keep * _f64(running_mean) + take * batch_mean).astype(
                    np.asarray(running_mean).dtype
                )
            if running_var is not None:
                new_var = (keep * _f64(running_var) + take * batch_var).astype(
                    np.asarray(running_var).dtype
                )
        return y.astype(x.dtype), new_mean, new_var

    return batch_norm


def _input_gradient(
    g: np.ndarray,
    x_hat: np.ndarray,
    inv: np.ndarray,
    red: tuple[int, ...],
    *,
    terms: str,
    count: int,
    var_factor: float,
) -> np.ndarray:
    """dx of a normalization from g = dout * weight: inv * (g - mean(g) - x_hat *
    mean(g * x_hat)), with the means over ``red`` divided by ``count``; ``terms`` drops
    the mean path ("variance-only"), the variance path ("mean-only") or both ("none")."""
    dx = g.copy()
    if terms in ("full", "mean-only"):
        dx = dx - g.sum(axis=red, keepdims=True) / count
    if terms in ("full", "variance-only"):
        dx = dx - var_factor * x_hat * (g * x_hat).sum(axis=red, keepdims=True) / count
    return inv * dx


def _batch_norm_backward_variant(
    *,
    terms: str = "full",
    axes: str = "channel",
    weight_factor: bool = True,
    dgamma_from_x: bool = False,
    ddof: int = 0,
    count: str = "all",
    var_factor: float = 1.0,
    fixed_eps: float | None = None,
    eps_outside_sqrt: bool = False,
    param_sums: str = "channel",
) -> Callable[..., Any]:
    def batch_norm_backward(
        grad_output: Array, input: Array, weight: Array | None = None, eps: float = 1e-5
    ) -> tuple[Array, Array | None, Array | None]:
        x = np.asarray(input)
        x64 = x.astype(np.float64)
        dy = np.asarray(grad_output, dtype=np.float64)
        # "axis-0": the 2-D recipe applied to every input (right for 2-D input only)
        red = _channel_axes(x) if axes == "channel" else (0,)
        n = int(np.prod([x.shape[a] for a in red]))
        eps = eps if fixed_eps is None else fixed_eps
        mean = x64.mean(axis=red, keepdims=True)
        inv = 1.0 / _std(_variance(x64, red, ddof=ddof), eps, outside=eps_outside_sqrt)
        x_hat = (x64 - mean) * inv
        gamma = 1.0 if weight is None or not weight_factor else _per_channel(_f64(weight), x.ndim)
        dx = _input_gradient(
            dy * gamma,
            x_hat,
            inv,
            red,
            terms=terms,
            count=x.shape[0] if count == "batch" else n,
            var_factor=var_factor,
        )
        if weight is None:
            return dx.astype(x.dtype), None, None
        wdt = np.asarray(weight).dtype
        sums = (0,) if param_sums == "axis-0" else red
        dgamma = (dy * (x64 if dgamma_from_x else x_hat)).sum(axis=sums)
        dbeta = dy.sum(axis=sums)
        return dx.astype(x.dtype), dgamma.astype(wdt), dbeta.astype(wdt)

    return batch_norm_backward


# --------------------------------------------------------------------------- layer / group / RMS norm


def _layer_norm_variant(
    *,
    axes: str = "trailing",
    eps_outside_sqrt: bool = False,
    ddof: int = 0,
    sum_not_mean: bool = False,
    fixed_eps: float | None = None,
    default_eps: float = 1e-5,
    shift_then_scale: bool = False,
    drop_weight: bool = False,
    drop_bias: bool = False,
    raw_moments: bool = False,
) -> Callable[..., Any]:
    def layer_norm(
        input: Array,
        normalized_shape: Any,
        weight: Array | None = None,
        bias: Array | None = None,
        eps: float = default_eps,
    ) -> Array:
        x = np.asarray(input)
        x64 = x.astype(np.float64)
        eps = eps if fixed_eps is None else fixed_eps
        trailing, shape = _trailing_axes(x, normalized_shape)
        every_but_batch = tuple(range(1, x.ndim))
        leading = tuple(range(len(shape)))
        red = {
            "trailing": trailing,
            "last": (x.ndim - 1,),
            "all-but-batch": every_but_batch,
            "leading": leading,
        }.get(axes, (0,))
        if axes == "leading" and leading == trailing:
            raise NormError("normalized_shape covers every axis: leading and trailing agree")
        if axes == "last" and len(shape) < 2:
            raise NormError("one normalized dimension: the last one is all of them")
        if axes == "all-but-batch" and red == trailing:
            raise NormError("normalized_shape covers every axis but the batch already")
        mean = x64.mean(axis=red, keepdims=True)
        var = _variance(x64, red, ddof=ddof, raw=raw_moments)
        if sum_not_mean:
            var = var * int(np.prod([x.shape[a] for a in red]))
        y = (x64 - mean) / _std(var, eps, outside=eps_outside_sqrt)
        y = _affine(
            y,
            None if weight is None or drop_weight else _f64(weight).reshape(shape),
            None if bias is None or drop_bias else _f64(bias).reshape(shape),
            shift_then_scale=shift_then_scale,
        )
        return y.astype(x.dtype)

    return layer_norm


def _layer_norm_backward_variant(
    *,
    terms: str = "full",
    weight_factor: bool = True,
    dweight_from_x: bool = False,
    ddof: int = 0,
    count: str = "all",
    stats: str = "normalized",
    param_sums: str = "leading",
    fixed_eps: float | None = None,
    eps_outside_sqrt: bool = False,
) -> Callable[..., Any]:
    def layer_norm_backward(
        grad_output: Array,
        input: Array,
        normalized_shape: Any,
        weight: Array | None = None,
        bias: Array | None = None,
        eps: float = 1e-5,
    ) -> tuple[Array, Array | None, Array | None]:
        x = np.asarray(input)
        x64 = x.astype(np.float64)
        dy = np.asarray(grad_output, dtype=np.float64)
        red, shape = _trailing_axes(x, normalized_shape)
        if (count == "last" or stats == "last") and len(shape) < 2:
            raise NormError("one normalized dimension: the last one is all of them")
        if stats == "last":
            red = (x.ndim - 1,)
        lead = (0,) if param_sums == "axis-0" else tuple(range(x.ndim - len(shape)))
        eps = eps if fixed_eps is None else fixed_eps
        mean = x64.mean(axis=red, keepdims=True)
        inv = 1.0 / _std(_variance(x64, red, ddof=ddof), eps, outside=eps_outside_sqrt)
        x_hat = (x64 - mean) * inv
        scaled = weight is not None and weight_factor
        g = dy * _f64(weight).reshape(shape) if scaled else dy
        m = x.shape[-1] if count == "last" or stats == "last" else int(np.prod(shape))
        dx = _input_gradient(g, x_hat, inv, red, terms=terms, count=m, var_factor=1.0)
        wdt = None if weight is None else np.asarray(weight).dtype
        dw = None if weight is None else (dy * (x64 if dweight_from_x else x_hat)).sum(axis=lead)
        db = None if bias is None else dy.sum(axis=lead).astype(np.asarray(bias).dtype)
        return dx.astype(x.dtype), None if dw is None else dw.astype(wdt), db

    return layer_norm_backward


def _rms_norm_backward_variant(
    *,
    projection: bool = True,
    dweight_from_x: bool = False,
    fixed_eps: float | None = None,
    eps_outside_sqrt: bool = False,
) -> Callable[..., Any]:
    """RMS norm's backward as code gets it wrong: the term through the RMS left out of dx,
    dweight from the raw input, eps misplaced (the standard formula on the mistaken r)."""

    def rms_norm_backward(
        grad_output: Array,
        input: Array,
        normalized_shape: Any,
        weight: Array | None = None,
        eps: float | None = None,
    ) -> tuple[Array, Array | None]:
        x = np.asarray(input)
        x64 = x.astype(np.float64)
        dy = np.asarray(grad_output, dtype=np.float64)
        red, shape = _trailing_axes(x, normalized_shape)
        lead = tuple(range(x.ndim - len(shape)))
        eps = float(np.finfo(x.dtype).eps) if eps is None else eps
        eps = eps if fixed_eps is None else fixed_eps
        ms = (x64 * x64).mean(axis=red, keepdims=True)
        r = 1.0 / (np.sqrt(ms) + eps if eps_outside_sqrt else np.sqrt(ms + eps))
        g = dy if weight is None else dy * _f64(weight).reshape(shape)
        dx = r * g
        if projection:
            dx = dx - x64 * r**3 * (g * x64).mean(axis=red, keepdims=True)
        if weight is None:
            return dx.astype(x.dtype), None
        dw = (dy * (x64 if dweight_from_x else x64 * r)).sum(axis=lead)
        return dx.astype(x.dtype), dw.astype(np.asarray(weight).dtype)

    return rms_norm_backward


def _group_norm_variant(
    *,
    grouping: str = "contiguous",
    ddof: int = 0,
    eps_outside_sqrt: bool = False,
    fixed_eps: float | None = None,
    shift_then_scale: bool = False,
    drop_weight: bool = False,
    drop_bias: bool = False,
    raw_moments: bool = False,
    default_eps: float = 1e-5,
) -> Callable[..., Any]:
    def group_norm(
        input: Array,
        num_groups: int,
        weight: Array | None = None,
        bias: Array | None = None,
        eps: float = default_eps,
    ) -> Array:
        x = np.asarray(input)
        n, c = x.shape[:2]
        if c % num_groups:
            raise NormError(f"num_groups={num_groups} does not divide C={c}")
        x64 = x.astype(np.float64).reshape(n, c, -1)
        eps = eps if fixed_eps is None else fixed_eps
        if grouping == "interleaved":  # channel k goes to group k % G
            xg = x64.reshape(n, c // num_groups, num_groups, -1)
            red = (1, 3)
        elif grouping == "per-channel":  # one statistic per channel: instance norm
            xg = x64
            red = (2,)
        elif grouping == "one-group":  # every channel of a sample together: layer norm
            xg = x64
            red = (1, 2)
        else:
            xg = x64.reshape(n, num_groups, -1)
            red = (2,)
        mean = xg.mean(axis=red, keepdims=True)
        var = _variance(xg, red, ddof=ddof, raw=raw_moments)
        y = ((xg - mean) / _std(var, eps, outside=eps_outside_sqrt)).reshape(n, c, -1)
        y = _affine(
            y,
            None if weight is None or drop_weight else _f64(weight)[None, :, None],
            None if bias is None or drop_bias else _f64(bias)[None, :, None],
            shift_then_scale=shift_then_scale,
        )
        return y.reshape(x.shape).astype(x.dtype)

    return group_norm


_MACHINE_EPS = (float(np.finfo(np.float32).eps), float(np.finfo(np.float64).eps))


def _rms_norm_variant(
    *,
    subtract_mean: bool = False,
    eps_outside_sqrt: bool = False,
    default_eps: float | None = None,
    sum_not_mean: bool = False,
    last_dim_only: bool = False,
    batch_axis: bool = False,
    fixed_eps: float | None = None,
    drop_weight: bool = False,
    all_but_batch: bool = False,
    ddof: int = 0,
) -> Callable[..., Any]:
    def rms_norm(
        input: Array, normalized_shape: Any, weight: Array | None = None, eps: float | None = None
    ) -> Array:
        x = np.asarray(input)
        x64 = x.astype(np.float64)
        red, shape = _trailing_axes(x, normalized_shape)
        if last_dim_only:
            if len(shape) < 2:
                raise NormError("one normalized dimension: the last one is all of them")
            red = (x.ndim - 1,)
        if batch_axis:
            red = (0,)
        if all_but_batch:
            if red == tuple(range(1, x.ndim)):
                raise NormError("normalized_shape covers every axis but the batch already")
            red = tuple(range(1, x.ndim))
        if eps is None or (default_eps is not None and eps in _MACHINE_EPS):
            # A caller that resolved eps=None itself passes a machine epsilon: a default
            # departs from it the same way.
            eps = default_eps if default_eps is not None else float(np.finfo(x.dtype).eps)
        if fixed_eps is not None:
            eps = fixed_eps
        if subtract_mean:
            x64 = x64 - x64.mean(axis=red, keepdims=True)
        ms = (x64 * x64).mean(axis=red, keepdims=True)
        n = int(np.prod([x.shape[a] for a in red]))
        if sum_not_mean:
            ms = ms * n
        if ddof:
            if n <= ddof:
                raise NormError("n - 1 is 0 for one value")
            ms = ms * n / (n - ddof)
        denom = np.sqrt(ms) + eps if eps_outside_sqrt else np.sqrt(ms + eps)
        y = x64 / denom
        if weight is not None and not drop_weight:
            y = y * _f64(weight).reshape(shape)
        return y.astype(x.dtype)

    return rms_norm


# --------------------------------------------------------------------------- fold / sync


def _fold_variant(
    *,
    forget_mean: bool = False,
    var_not_std: bool = False,
    input_axis: bool = False,
    forget_bias: bool = False,
    mean_unscaled: bool = False,
    no_eps: bool = False,
    linear_broadcast: bool = False,
    eps_outside_sqrt: bool = False,
    forget_beta: bool = False,
    forget_gamma: bool = False,
    weight_without_gamma: bool = False,
) -> Callable[..., Any]:
    def fold(
        weight: Array,
        bias: Array | None,
        gamma: Array,
        beta: Array,
        running_mean: Array,
        running_var: Array,
        eps: float = 1e-5,
    ) -> tuple[Array, Array]:
        w = np.asarray(weight)
        c_out = w.shape[0]
        eps = 0.0 if no_eps else eps
        if var_not_std:
            denom = _f64(running_var) + eps
        else:
            denom = _std(_f64(running_var), eps, outside=eps_outside_sqrt)
        scale = (1.0 if forget_gamma else _f64(gamma)) / denom
        weight_scale = 1.0 / denom if weight_without_gamma else scale
        shift = 0.0 if forget_beta else _f64(beta)
        b = np.zeros(c_out) if bias is None or forget_bias else _f64(bias)
        folded_bias = (b if forget_mean else b - _f64(running_mean)) * scale + shift
        if mean_unscaled:
            folded_bias = b * scale - _f64(running_mean) + shift
        if linear_broadcast:  # weight_scale[:, None], right for (C_out, C_in) only
            if w.ndim == 2:
                raise NormError("a linear weight broadcasts correctly")
            try:
                folded = w.astype(np.float64) * weight_scale[:, None]
            except ValueError as exc:
                raise NormError(str(exc)) from None
            if folded.shape != w.shape:
                raise NormError("the broadcast changes the weight's shape")
        elif input_axis:
            if w.ndim < 2 or w.shape[1] != c_out:
                raise NormError(
                    f"input-axis scaling needs C_in == C_out; weight has shape {w.shape}"
                )
            folded = w.astype(np.float64) * weight_scale.reshape((1, c_out) + (1,) * (w.ndim - 2))
        else:
            folded = w.astype(np.float64) * weight_scale.reshape((c_out,) + (1,) * (w.ndim - 1))
        return folded.astype(w.dtype), folded_bias.astype(w.dtype)

    return fold


def _combine_unweighted(counts: Array, means: Array, variances: Array) -> tuple[int, Array, Array]:
    counts = np.asarray(counts)
    m, v = np.asarray(means), np.asarray(variances)
    if int(counts.sum()) == 0:
        raise NormError("all shard counts are 0")
    return (
        int(counts.sum()),
        m.astype(np.float64).mean(axis=0).astype(m.dtype),
        v.astype(np.float64).mean(axis=0).astype(v.dtype),
    )


def _combine_unbiased(counts: Array, means: Array, variances: Array) -> tuple[int, Array, Array]:
    total, mean, var = combine_batch_stats(counts, means, variances)
    if total < 2:
        raise NormError("one value: no unbiased variance")
    return total, mean, (np.asarray(var, dtype=np.float64) * total / (total - 1)).astype(var.dtype)


def _combine_no_between_term(
    counts: Array, means: Array, variances: Array
) -> tuple[int, Array, Array]:
    counts = np.asarray(counts)
    m, v = np.asarray(means), np.asarray(variances)
    total = int(counts.sum())
    if total == 0:
        raise NormError("all shard counts are 0")
    w = counts.astype(np.float64)[:, None]
    return (
        total,
        ((w * m).sum(axis=0) / total).astype(m.dtype),
        ((w * v).sum(axis=0) / total).astype(v.dtype),
    )


def _combine_variant(
    *,
    weights: str = "counts",
    between: bool = True,
    ddof: int = 0,
    between_weights: str = "counts",
    pooled_unbiased: bool = False,
    variance_weights: str = "counts",
) -> Callable[..., Any]:
    """combine_batch_stats with its parts swapped: shard weights (``counts`` or ``equal``),
    the between-shard term kept or left out (and its own weights), the final divisor n - ddof."""

    def combine(counts: Array, means: Array, variances: Array) -> tuple[int, Array, Array]:
        counts = np.asarray(counts)
        m, v = _f64(means), _f64(variances)
        total = int(counts.sum())
        if total <= ddof:
            raise NormError("all shard counts are 0")
        w = counts.astype(np.float64) if weights == "counts" else np.ones(len(counts))
        w = w[:, None] / w.sum()
        mean = (w * m).sum(axis=0)
        var = (w * v).sum(axis=0) if variance_weights == "counts" else v.mean(axis=0)
        if between:
            wb = w if between_weights == "counts" else np.full_like(w, 1.0 / len(w))
            var = var + (wb * (m - mean) ** 2).sum(axis=0)
        if pooled_unbiased:  # the textbook pooled variance: shard variances taken as unbiased
            if total < 2:
                raise NormError("one value: no pooled variance")
            n = counts.astype(np.float64)[:, None]
            within = (np.maximum(n - 1, 0) * v).sum(axis=0)
            var = (within + (n * (m - mean) ** 2).sum(axis=0)) / (total - 1)
        if ddof:
            var = var * total / (total - ddof)
        dtype = np.asarray(means).dtype
        return total, mean.astype(dtype), var.astype(dtype)

    return combine


# --------------------------------------------------------------------------- the catalog

CATALOG: tuple[Mistake, ...] = (
    Mistake(
        "biased-running-var",
        "Biased variance in the running estimate",
        "The running variance was updated with the biased batch variance (divide by n). PyTorch "
        "normalizes with the biased variance but stores the unbiased one (divide by n - 1) in "
        "running_var.",
        "batch_norm",
        _batch_norm_variant(running_var_biased=True),
    ),
    Mistake(
        "keras-momentum",
        "Keras momentum convention",
        "The running statistics were updated as momentum * old + (1 - momentum) * batch, the "
        "Keras / cs231n convention. In PyTorch momentum is the weight of the new batch: "
        "(1 - momentum) * old + momentum * batch.",
        "batch_norm",
        _batch_norm_variant(keras_momentum=True),
    ),
    Mistake(
        "wrong-axes",
        "Statistics over the wrong axes",
        "The mean and variance were taken over the batch axis only, so every (channel, position) "
        "got its own statistics (for 2-D input: over all values at once). Batch norm needs one "
        "mean and variance per channel, over the batch and every spatial position.",
        "batch_norm",
        _batch_norm_variant(stat_axes="batch-axis"),
    ),
    Mistake(
        "per-position-statistics",
        "Statistics per position instead of per channel",
        "The normalizing mean and variance were taken over axis 0 only, so each (channel, "
        "position) pair of an image got its own statistics. Batch norm needs one mean and "
        "variance per channel, over the batch and every spatial position.",
        "batch_norm",
        _batch_norm_variant(stat_axes="axis-0"),
    ),
    Mistake(
        "eps-outside-sqrt",
        "Epsilon added outside the square root",
        "The code divided by sqrt(var) + eps instead of sqrt(var + eps). The two differ most when "
        "a channel's variance is small.",
        "batch_norm",
        _batch_norm_variant(eps_outside_sqrt=True),
    ),
    Mistake(
        "eval-uses-batch-stats",
        "Evaluation mode uses batch statistics",
        "In evaluation mode the layer normalized with the current batch's mean and variance. At "
        "inference batch norm must use the running statistics collected during training.",
        "batch_norm",
        _batch_norm_variant(eval_uses_batch_stats=True),
    ),
    Mistake(
        "missing-affine",
        "Scale and shift not applied",
        "The output was normalized but never multiplied by weight (gamma) nor shifted by bias "
        "(beta), the learnable affine step of the layer.",
        "batch_norm",
        _batch_norm_variant(affine=False),
    ),
    Mistake(
        "unbiased-normalization",
        "Unbiased variance used to normalize",
        "The batch was normalized with the unbiased variance (divide by n - 1). PyTorch normalizes "
        "with the biased variance (divide by n) and keeps the unbiased one only for running_var.",
        "batch_norm",
        _batch_norm_variant(normalize_unbiased=True),
    ),
    Mistake(
        "running-stats-not-updated",
        "Running statistics not updated",
        "In training mode the running mean and variance came back unchanged. Each training step "
        "must move them toward the batch statistics.",
        "batch_norm",
        _batch_norm_variant(update_running=False),
    ),
    Mistake(
        "eps-ignored",
        "The eps argument is ignored",
        "The layer always used eps = 1e-5, whatever eps was passed. The eps argument must be "
        "the one added to the variance.",
        "batch_norm",
        _batch_norm_variant(fixed_eps=1e-5),
    ),
    Mistake(
        "no-mean-term",
        "Backward treats mean and variance as constants",
        "The input gradient was computed as dout * gamma / std, as if the batch mean and "
        "variance did not depend on the input. Both depend on every input value, which adds two "
        "correction terms.",
        "batch_norm_backward",
        _batch_norm_backward_variant(terms="none"),
    ),
    Mistake(
        "no-variance-term",
        "Backward misses the variance path",
        "The input gradient subtracted the mean of the upstream gradient but left out the term "
        "that flows through the batch variance (x_hat times the mean of dout * x_hat).",
        "batch_norm_backward",
        _batch_norm_backward_variant(terms="mean-only"),
    ),
    Mistake(
        "backward-no-mean-path",
        "Backward misses the mean path",
        "The input gradient kept the term through the variance but dropped the one through the "
        "batch mean: the mean of gamma * dout must be subtracted from every value of dx.",
        "batch_norm_backward",
        _batch_norm_backward_variant(terms="variance-only"),
    ),
    Mistake(
        "backward-no-gamma",
        "Backward forgets the gamma factor in dx",
        "dx was computed from dout instead of dout * gamma. The loss reaches x_hat through "
        "gamma, so every term of dx carries the per-channel factor gamma.",
        "batch_norm_backward",
        _batch_norm_backward_variant(weight_factor=False),
    ),
    Mistake(
        "backward-dgamma-from-x",
        "dgamma computed from x instead of x_hat",
        "dgamma was sum(dout * x); the output is gamma * x_hat + beta, so dgamma is "
        "sum(dout * x_hat), with the normalized input.",
        "batch_norm_backward",
        _batch_norm_backward_variant(dgamma_from_x=True),
    ),
    Mistake(
        "backward-unbiased-variance",
        "Backward uses the unbiased variance",
        "The standard deviation in the gradient was computed with the unbiased variance "
        "(divide by n - 1); the forward pass normalizes with the biased one (divide by n), "
        "so its gradient must use the same.",
        "batch_norm_backward",
        _batch_norm_backward_variant(ddof=1),
    ),
    Mistake(
        "backward-count-batch-only",
        "Backward divides by N instead of N * prod(S)",
        "The means in the gradient were divided by the batch size N alone; every channel "
        "averages over N times the number of spatial positions.",
        "batch_norm_backward",
        _batch_norm_backward_variant(count="batch"),
    ),
    Mistake(
        "dvar-half-lost",
        "The 1/2 of the variance derivative is lost",
        "In the staged backward, dvar = sum(dout * gamma * (x - mean)) * -1/2 * (var + eps)^-3/2; "
        "the 1/2 was dropped, so the variance term of dx is twice its size.",
        "batch_norm_backward",
        _batch_norm_backward_variant(var_factor=2.0),
    ),
    Mistake(
        "grad-sums-wrong-axes",
        "Backward sums over the wrong axes",
        "The gradient sums (and statistics) ran over axis 0 only, the recipe for 2-D input, so for "
        "images each position was treated as its own feature. They must run over the batch and "
        "every spatial position, per channel; dweight and dbias then have one value per channel.",
        "batch_norm_backward",
        _batch_norm_backward_variant(axes="axis-0"),
    ),
    Mistake(
        "layer-norm-batch-axis",
        "Layer norm statistics over the batch",
        "The statistics were computed across the batch (like batch norm) instead of over each "
        "sample's own features. Layer norm normalizes every sample by itself.",
        "layer_norm",
        _layer_norm_variant(axes="batch"),
    ),
    Mistake(
        "layer-norm-eps-outside-sqrt",
        "Epsilon added outside the square root",
        "The code divided by sqrt(var) + eps instead of sqrt(var + eps).",
        "layer_norm",
        _layer_norm_variant(eps_outside_sqrt=True),
    ),
    Mistake(
        "layer-norm-unbiased-variance",
        "Unbiased variance in layer norm",
        "The features were normalized with the unbiased variance (divide by n - 1); layer norm "
        "uses the biased variance (divide by n).",
        "layer_norm",
        _layer_norm_variant(ddof=1),
    ),
    Mistake(
        "layer-norm-sum-not-mean",
        "Sum instead of mean in the variance",
        "The squared deviations were summed, not averaged: the variance must be divided by the "
        "number of normalized values.",
        "layer_norm",
        _layer_norm_variant(sum_not_mean=True),
    ),
    Mistake(
        "layer-norm-eps-ignored",
        "The eps argument is ignored",
        "The layer always used eps = 1e-5, whatever eps was passed.",
        "layer_norm",
        _layer_norm_variant(fixed_eps=1e-5),
    ),
    Mistake(
        "layer-norm-backward-no-mean-term",
        "Layer norm backward treats the statistics as constants",
        "The input gradient was dout * weight / std, ignoring that each row's mean and variance "
        "depend on the input; two correction terms are missing.",
        "layer_norm_backward",
        _layer_norm_backward_variant(terms="none"),
    ),
    Mistake(
        "layer-norm-backward-no-mean-path",
        "Layer norm backward misses the mean path",
        "dx kept the term through the variance but not the one through the mean: the row mean "
        "of dout * weight must be subtracted.",
        "layer_norm_backward",
        _layer_norm_backward_variant(terms="variance-only"),
    ),
    Mistake(
        "layer-norm-backward-no-variance-path",
        "Layer norm backward misses the variance path",
        "dx subtracted the row mean of dout * weight but left out x_hat times the row mean of "
        "dout * weight * x_hat, the term through the variance.",
        "layer_norm_backward",
        _layer_norm_backward_variant(terms="mean-only"),
    ),
    Mistake(
        "layer-norm-backward-param-sums-axis-0",
        "dweight and dbias summed over axis 0 only",
        "dweight and dbias were summed over the first axis alone; they sum over every leading "
        "(non-normalized) axis, so they have the shape of normalized_shape.",
        "layer_norm_backward",
        _layer_norm_backward_variant(param_sums="axis-0"),
    ),
    Mistake(
        "layer-norm-backward-dweight-from-x",
        "dweight computed from x instead of x_hat",
        "dweight was sum(dout * x) over the leading dims; it is sum(dout * x_hat), with the "
        "normalized input.",
        "layer_norm_backward",
        _layer_norm_backward_variant(dweight_from_x=True),
    ),
    Mistake(
        "layer-norm-backward-unbiased-variance",
        "Layer norm backward uses the unbiased variance",
        "The standard deviation was computed with the unbiased variance (divide by n - 1); "
        "layer norm uses the biased one.",
        "layer_norm_backward",
        _layer_norm_backward_variant(ddof=1),
    ),
    Mistake(
        "interleaved-groups",
        "Groups interleaved instead of contiguous",
        "Channel c was put in group c % G (for example by reshaping to (N, C/G, G, ...)). PyTorch "
        "groups consecutive channels: group g holds channels g*C/G to (g+1)*C/G - 1.",
        "group_norm",
        _group_norm_variant(grouping="interleaved"),
    ),
    Mistake(
        "group-norm-per-channel",
        "Statistics per channel (instance norm)",
        "Each channel was normalized by itself, which is instance norm. Group norm shares one mean "
        "and variance among the C/G channels of a group.",
        "group_norm",
        _group_norm_variant(grouping="per-channel"),
    ),
    Mistake(
        "rms-subtracts-mean",
        "RMS norm that subtracts the mean",
        "The code centered the features before dividing, which is layer norm. RMS norm divides by "
        "the root mean square of the raw values and never subtracts the mean.",
        "rms_norm",
        _rms_norm_variant(subtract_mean=True),
    ),
    Mistake(
        "rms-eps-outside-sqrt",
        "Epsilon added outside the square root",
        "The code divided by sqrt(mean(x^2)) + eps instead of sqrt(mean(x^2) + eps).",
        "rms_norm",
        _rms_norm_variant(eps_outside_sqrt=True),
    ),
    Mistake(
        "rms-sum-not-mean",
        "Sum of squares instead of their mean",
        "The code divided by sqrt(sum(x^2)); RMS norm divides by the root of the mean of the "
        "squares over the normalized dims.",
        "rms_norm",
        _rms_norm_variant(sum_not_mean=True),
    ),
    Mistake(
        "rms-batch-axis",
        "RMS norm statistics over the batch",
        "The mean of the squares was taken across the batch (axis 0) instead of over each "
        "sample's normalized dims. RMS norm normalizes every sample by itself.",
        "rms_norm",
        _rms_norm_variant(batch_axis=True),
    ),
    Mistake(
        "rms-fixed-eps",
        "Fixed epsilon when eps is None",
        "With eps=None the code used a fixed 1e-5. PyTorch then uses the machine epsilon of the "
        "input's dtype (about 1.19e-7 for float32, 2.2e-16 for float64).",
        "rms_norm",
        _rms_norm_variant(default_eps=1e-5),
    ),
    Mistake(
        "fold-forgets-running-mean",
        "Folded bias ignores the running mean",
        "The folded bias was bias * scale + beta; the running mean must be subtracted first: "
        "(bias - running_mean) * scale + beta.",
        "fold_batchnorm",
        _fold_variant(forget_mean=True),
    ),
    Mistake(
        "fold-forgets-bias",
        "The layer's own bias is forgotten",
        "The folded bias was beta - running_mean * scale, dropping the original bias; it is "
        "(bias - running_mean) * scale + beta (bias treated as zeros only when it is None).",
        "fold_batchnorm",
        _fold_variant(forget_bias=True),
    ),
    Mistake(
        "fold-mean-not-scaled",
        "The running mean is not scaled",
        "The folded bias was bias * scale - running_mean + beta; the mean is subtracted before "
        "the scale, so it is scaled too: (bias - running_mean) * scale + beta.",
        "fold_batchnorm",
        _fold_variant(mean_unscaled=True),
    ),
    Mistake(
        "fold-linear-only-broadcast",
        "Broadcasting that works only for a linear layer",
        "The weight was scaled as weight * scale[:, None], right for a (C_out, C_in) weight; "
        "a convolution's weight (C_out, C_in, *K) needs scale.reshape(-1, 1, ..., 1).",
        "fold_batchnorm",
        _fold_variant(linear_broadcast=True),
    ),
    Mistake(
        "fold-var-not-std",
        "Divided by the variance instead of the standard deviation",
        "The scale was gamma / (running_var + eps); it must be gamma / sqrt(running_var + eps).",
        "fold_batchnorm",
        _fold_variant(var_not_std=True),
    ),
    Mistake(
        "fold-scales-input-dim",
        "Scale applied along the input dimension",
        "Each input column of the weight was scaled instead of each output row. Batch norm scales "
        "the layer's outputs, so the scale multiplies weight[c_out, ...].",
        "fold_batchnorm",
        _fold_variant(input_axis=True),
    ),
    Mistake(
        "sync-unweighted-average",
        "Shards averaged without their counts",
        "The global mean and variance were plain averages of the shards' means and variances. "
        "Shards of different sizes must be weighted by their counts, and the spread between "
        "shard means adds to the variance.",
        "combine_batch_stats",
        _combine_unweighted,
    ),
    Mistake(
        "sync-no-between-shard-term",
        "Variance misses the spread between shards",
        "The variances were averaged with the right weights, but the term for how far each "
        "shard's mean is from the global mean, sum(n_k * (mean_k - mean)^2) / n, was left out.",
        "combine_batch_stats",
        _combine_no_between_term,
    ),
    Mistake(
        "sync-unbiased-variance",
        "Unbiased global variance",
        "The combined variance was divided by n - 1; the shards' variances are biased and so "
        "must be the result: divide by the total count n.",
        "combine_batch_stats",
        _combine_unbiased,
    ),
)

# Mistakes that show only on particular inputs and equal the reference elsewhere: a
# normalized_shape of two or more dims, eps left at its default, a weight other than ones,
# a running variance near zero. Kept apart from CATALOG, whose every entry differs on
# generic inputs; mistakes_for() and get() serve both.
SITUATIONAL_MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "layer-norm-default-eps",
        "Wrong default eps",
        "Without an eps argument the code used a smaller eps (such as 1e-6 or 1e-12); "
        "F.layer_norm's default is 1e-5.",
        "layer_norm",
        _layer_norm_variant(default_eps=1e-6),
    ),
    Mistake(
        "layer-norm-backward-no-weight",
        "Layer norm backward forgets the weight in dx",
        "dx was computed from dout instead of dout * weight; the weight multiplies x_hat, so it "
        "is part of every term of dx.",
        "layer_norm_backward",
        _layer_norm_backward_variant(weight_factor=False),
    ),
    Mistake(
        "fold-no-eps",
        "eps left out of the scale",
        "The scale was gamma / sqrt(running_var); batch norm divides by sqrt(running_var + eps), "
        "which matters when a running variance is small.",
        "fold_batchnorm",
        _fold_variant(no_eps=True),
    ),
    Mistake(
        "layer-norm-last-dim-only",
        "Statistics over the last dimension only",
        "The mean and variance were taken over the last axis alone; layer norm normalizes over "
        "every dimension of normalized_shape, e.g. the last two for normalized_shape=(H, W).",
        "layer_norm",
        _layer_norm_variant(axes="last"),
    ),
    Mistake(
        "rms-last-dim-only",
        "Root mean square over the last dimension only",
        "The mean of the squares was taken over the last axis alone; RMS norm averages over "
        "every dimension of normalized_shape.",
        "rms_norm",
        _rms_norm_variant(last_dim_only=True),
    ),
    Mistake(
        "layer-norm-backward-last-dim-stats",
        "Backward statistics over the last dimension only",
        "The mean, variance and the sums in dx ran over the last axis alone; with a "
        "normalized_shape of several dims they run over all of them.",
        "layer_norm_backward",
        _layer_norm_backward_variant(stats="last"),
    ),
    Mistake(
        "layer-norm-backward-count-last-dim",
        "Backward divides by the last dimension only",
        "The means in dx were divided by the size of the last dimension; with a "
        "normalized_shape of several dims they average over all of them, prod(normalized_shape).",
        "layer_norm_backward",
        _layer_norm_backward_variant(count="last"),
    ),
)

_ALL = CATALOG + SITUATIONAL_MISTAKES
_BY_SLUG = {m.slug: m for m in _ALL}
if len(_BY_SLUG) != len(_ALL):  # pragma: no cover - a catalog bug
    raise RuntimeError("duplicate slugs in normcore.mistakes.CATALOG")

# The functions mistakes imitate; mistakes_for() accepts only these names.
_TARGETS = {
    "batch_norm": F.batch_norm,
    "batch_norm_backward": F.batch_norm_backward,
    "layer_norm": F.layer_norm,
    "layer_norm_backward": F.layer_norm_backward,
    "group_norm": F.group_norm,
    "group_norm_backward": F.group_norm_backward,
    "instance_norm": F.instance_norm,
    "rms_norm": F.rms_norm,
    "rms_norm_backward": F.rms_norm_backward,
    "fold_batchnorm": fold_batchnorm,
    "combine_batch_stats": combine_batch_stats,
}


def mistakes_for(function_name: str) -> list[Mistake]:
    """The catalog's mistakes for one normcore function, in catalog order (may be empty).

    >>> [m.slug for m in mistakes_for("rms_norm")][0]
    'rms-subtracts-mean'
    """
    if function_name not in _TARGETS:
        raise NormError(
            f"unknown normcore function {function_name!r}; expected one of {sorted(_TARGETS)}"
        )
    return [m for m in _ALL if m.applies_to == function_name]


def get(slug: str) -> Mistake:
    """The mistake with this slug; ``KeyError`` naming the known slugs otherwise."""
    try:
        return _BY_SLUG[slug]
    except KeyError:
        raise KeyError(f"no mistake {slug!r}; known: {', '.join(_BY_SLUG)}") from None


# --------------------------------------------------------------------------- the search space

_FACTORIES: dict[str, Callable[..., Callable[..., Any]]] = {
    "batch_norm": _batch_norm_variant,
    "batch_norm_backward": _batch_norm_backward_variant,
    "layer_norm": _layer_norm_variant,
    "layer_norm_backward": _layer_norm_backward_variant,
    "group_norm": _group_norm_variant,
    "rms_norm": _rms_norm_variant,
    "rms_norm_backward": _rms_norm_backward_variant,
    "fold_batchnorm": _fold_variant,
    "combine_batch_stats": _combine_variant,
}


def variant(function: str, knobs: dict[str, Any]) -> Callable[..., Any]:
    """The normcore function ``function`` with the departures ``knobs`` (none: the right
    answer, float64 inside)."""
    return _FACTORIES[function](**knobs)


def _short(e: float) -> str:
    return f"{e:.0e}".replace("e-0", "e-")


def _op(function: str, slug: str, phrase: str, **knobs: Any) -> Operator:
    return Operator(slug, function, phrase, tuple(sorted(knobs.items())))


def _eps_ops(
    function: str, *, outside: bool = True, hard_coded=(1e-5, 1e-6, 1e-3, 1e-8, 1e-12)
) -> list:
    ops = [_op(function, "eps-missing", "leaves eps out: divides by sqrt(var)", fixed_eps=0.0)]
    if outside:
        ops.append(
            _op(
                function,
                "eps-outside-sqrt",
                "adds eps to the standard deviation, sqrt(var) + eps, not inside the square root",
                eps_outside_sqrt=True,
            )
        )
    ops += [
        _op(
            function,
            f"eps-hard-coded-{_short(e)}",
            f"uses eps = {e:g} whatever eps is passed",
            fixed_eps=e,
        )
        for e in hard_coded
    ]
    return ops


def _default_eps_ops(function: str, slug: str = "default-eps") -> list:
    return [
        _op(
            function,
            f"{slug}-{_short(e)}",
            f"uses eps = {e:g} when eps is not passed (the default is 1e-5)",
            default_eps=e,
        )
        for e in (1e-6, 1e-8, 1e-3)
    ]


def _affine_ops(function: str) -> list:
    return [
        _op(function, "bias-not-added", "never adds the bias (beta)", drop_bias=True),
        _op(
            function,
            "weight-not-applied",
            "never multiplies by the weight (gamma)",
            drop_weight=True,
        ),
        _op(
            function,
            "shift-before-scale",
            "adds the bias before multiplying by the weight: (x_hat + beta) * gamma",
            shift_then_scale=True,
        ),
    ]


_RAW_MOMENTS = "computes the variance as E[x^2] - E[x]^2 (it cancels when the mean is large)"
_UNBIASED = "divides the variance by n - 1 (unbiased) where n is required"

# Every departure the search composes, per normcore function. Slugs equal the catalog's where
# the catalog has the same departure alone.
OPERATORS: dict[str, tuple[Operator, ...]] = {
    "batch_norm": tuple(
        [
            *_eps_ops("batch_norm"),
            *_default_eps_ops("batch_norm"),
            _op(
                "batch_norm",
                "eval-eps-missing",
                "leaves eps out in evaluation mode: divides by sqrt(running_var)",
                eval_without_eps=True,
            ),
            _op(
                "batch_norm",
                "training-uses-running-stats",
                "normalizes with the running statistics in training mode too",
                training_uses_running_stats=True,
            ),
            _op("batch_norm", "unbiased-normalization", _UNBIASED, normalize_unbiased=True),
            _op(
                "batch_norm",
                "per-position-statistics",
                "takes the statistics over the batch axis only (one per channel and position)",
                stat_axes="axis-0",
            ),
            _op(
                "batch_norm",
                "wrong-axes",
                "takes one mean and variance over every axis, channels included",
                stat_axes="batch-axis",
            ),
            _op(
                "batch_norm",
                "per-sample-statistics",
                "takes the statistics per sample and channel, over the spatial axes only "
                "(instance norm)",
                stat_axes="spatial",
            ),
            _op("batch_norm", "missing-affine", "never applies gamma and beta", affine=False),
            *_affine_ops("batch_norm"),
            _op("batch_norm", "raw-moments-variance", _RAW_MOMENTS, raw_moments=True),
            _op(
                "batch_norm",
                "biased-running-var",
                "stores the biased batch variance in running_var (PyTorch stores the unbiased one)",
                running_var_biased=True,
            ),
            _op(
                "batch_norm",
                "keras-momentum",
                "updates the running statistics as momentum * old + (1 - momentum) * batch",
                keras_momentum=True,
            ),
            _op(
                "batch_norm",
                "running-var-count-batch-only",
                "corrects the running variance with N / (N - 1), not the count per channel",
                unbiased_count_batch=True,
            ),
            _op(
                "batch_norm",
                "momentum-ignored",
                "uses momentum = 0.1 whatever momentum is passed",
                fixed_momentum=0.1,
            ),
            _op(
                "batch_norm",
                "running-stats-not-updated",
                "returns the running statistics unchanged in training mode",
                update_running=False,
            ),
            _op(
                "batch_norm",
                "running-stats-updated-in-eval",
                "updates the running statistics in evaluation mode too",
                update_in_eval=True,
            ),
            _op(
                "batch_norm",
                "eval-uses-batch-stats",
                "normalizes with the batch's statistics in evaluation mode",
                eval_uses_batch_stats=True,
            ),
        ]
    ),
    "batch_norm_backward": tuple(
        [
            *_eps_ops("batch_norm_backward", hard_coded=(1e-5,)),
            _op(
                "batch_norm_backward",
                "no-mean-term",
                "treats the batch mean and variance as constants in dx",
                terms="none",
            ),
            _op(
                "batch_norm_backward",
                "no-variance-term",
                "leaves the term through the variance out of dx",
                terms="mean-only",
            ),
            _op(
                "batch_norm_backward",
                "backward-no-mean-path",
                "leaves the term through the mean out of dx",
                terms="variance-only",
            ),
            _op(
                "batch_norm_backward",
                "backward-no-gamma",
                "computes dx from dout instead of dout * gamma",
                weight_factor=False,
            ),
            _op(
                "batch_norm_backward",
                "backward-dgamma-from-x",
                "computes dgamma from x instead of x_hat",
                dgamma_from_x=True,
            ),
            _op("batch_norm_backward", "backward-unbiased-variance", _UNBIASED, ddof=1),
            _op(
                "batch_norm_backward",
                "backward-count-batch-only",
                "divides the means in dx by N instead of N * prod(S)",
                count="batch",
            ),
            _op(
                "batch_norm_backward",
                "dvar-half-lost",
                "doubles the variance term of dx (the 1/2 of d sqrt is lost)",
                var_factor=2.0,
            ),
            _op(
                "batch_norm_backward",
                "variance-term-halved",
                "halves the variance term of dx",
                var_factor=0.5,
            ),
            _op(
                "batch_norm_backward",
                "variance-term-sign",
                "subtracts the variance term of dx with the wrong sign",
                var_factor=-1.0,
            ),
            _op(
                "batch_norm_backward",
                "backward-param-sums-axis-0",
                "sums dgamma and dbeta over axis 0 only (the 2-D recipe)",
                param_sums="axis-0",
            ),
            _op(
                "batch_norm_backward",
                "grad-sums-wrong-axes",
                "sums and averages over axis 0 only (the 2-D recipe)",
                axes="axis-0",
            ),
        ]
    ),
    "layer_norm": tuple(
        [
            *_eps_ops("layer_norm"),
            _op(
                "layer_norm",
                "layer-norm-default-eps",
                "uses eps = 1e-6 when eps is not passed",
                default_eps=1e-6,
            ),
            _op("layer_norm", "layer-norm-unbiased-variance", _UNBIASED, ddof=1),
            _op(
                "layer_norm",
                "layer-norm-batch-axis",
                "takes the statistics over the batch axis",
                axes="batch",
            ),
            _op(
                "layer_norm",
                "layer-norm-last-dim-only",
                "takes the statistics over the last axis only",
                axes="last",
            ),
            _op(
                "layer_norm",
                "layer-norm-all-but-batch",
                "takes the statistics over every axis but the batch, not normalized_shape's",
                axes="all-but-batch",
            ),
            _op(
                "layer_norm",
                "layer-norm-leading-axes",
                "takes the statistics over the first len(normalized_shape) axes, not the last",
                axes="leading",
            ),
            _op(
                "layer_norm",
                "layer-norm-sum-not-mean",
                "sums the squared deviations instead of averaging them",
                sum_not_mean=True,
            ),
            *_affine_ops("layer_norm"),
            _op("layer_norm", "raw-moments-variance", _RAW_MOMENTS, raw_moments=True),
        ]
    ),
    "layer_norm_backward": tuple(
        [
            *_eps_ops("layer_norm_backward", hard_coded=(1e-5,)),
            _op(
                "layer_norm_backward",
                "layer-norm-backward-no-mean-term",
                "treats the row mean and variance as constants in dx",
                terms="none",
            ),
            _op(
                "layer_norm_backward",
                "layer-norm-backward-no-mean-path",
                "leaves the term through the row mean out of dx",
                terms="variance-only",
            ),
            _op(
                "layer_norm_backward",
                "layer-norm-backward-no-variance-path",
                "leaves the term through the row variance out of dx",
                terms="mean-only",
            ),
            _op(
                "layer_norm_backward",
                "layer-norm-backward-no-weight",
                "computes dx from dout instead of dout * weight",
                weight_factor=False,
            ),
            _op(
                "layer_norm_backward",
                "layer-norm-backward-dweight-from-x",
                "computes dweight from x instead of x_hat",
                dweight_from_x=True,
            ),
            _op("layer_norm_backward", "layer-norm-backward-unbiased-variance", _UNBIASED, ddof=1),
            _op(
                "layer_norm_backward",
                "layer-norm-backward-count-last-dim",
                "divides the means in dx by the last dimension's size only",
                count="last",
            ),
            _op(
                "layer_norm_backward",
                "layer-norm-backward-last-dim-stats",
                "takes the statistics and sums of dx over the last axis only",
                stats="last",
            ),
            _op(
                "layer_norm_backward",
                "layer-norm-backward-param-sums-axis-0",
                "sums dweight and dbias over axis 0 only",
                param_sums="axis-0",
            ),
        ]
    ),
    "group_norm": tuple(
        [
            *_eps_ops("group_norm"),
            *_default_eps_ops("group_norm"),
            _op("group_norm", "group-norm-unbiased-variance", _UNBIASED, ddof=1),
            _op(
                "group_norm",
                "interleaved-groups",
                "puts channel k in group k % G instead of contiguous groups",
                grouping="interleaved",
            ),
            _op(
                "group_norm",
                "group-norm-per-channel",
                "normalizes each channel by itself (instance norm)",
                grouping="per-channel",
            ),
            _op(
                "group_norm",
                "group-norm-one-group",
                "normalizes all channels of a sample together (layer norm)",
                grouping="one-group",
            ),
            *_affine_ops("group_norm"),
            _op("group_norm", "raw-moments-variance", _RAW_MOMENTS, raw_moments=True),
        ]
    ),
    "rms_norm_backward": (
        _op(
            "rms_norm_backward",
            "rms-backward-no-projection",
            "leaves out dx's term through the RMS: dx = dy * weight * r",
            projection=False,
        ),
        _op(
            "rms_norm_backward",
            "rms-backward-dweight-raw-x",
            "sums dy * x for dweight instead of dy * x * r",
            dweight_from_x=True,
        ),
        _op(
            "rms_norm_backward",
            "rms-eps-outside-sqrt",
            "adds eps to the root mean square, sqrt(mean(x^2)) + eps, not inside the root",
            eps_outside_sqrt=True,
        ),
        _op(
            "rms_norm_backward",
            "eps-missing",
            "leaves eps out: divides by sqrt(mean(x^2))",
            fixed_eps=0.0,
        ),
    ),
    "rms_norm": tuple(
        [
            _op(
                "rms_norm",
                "rms-eps-outside-sqrt",
                "adds eps to the root mean square, sqrt(mean(x^2)) + eps, not inside the root",
                eps_outside_sqrt=True,
            ),
            _op(
                "rms_norm",
                "eps-missing",
                "leaves eps out: divides by sqrt(mean(x^2))",
                fixed_eps=0.0,
            ),
            *[
                _op(
                    "rms_norm",
                    f"eps-hard-coded-{_short(e)}",
                    f"uses eps = {e:g} whatever eps is passed",
                    fixed_eps=e,
                )
                for e in (1e-5, 1e-6, 1e-8)
            ],
            *[
                _op(
                    "rms_norm",
                    "rms-fixed-eps" if e == 1e-5 else f"rms-default-eps-{_short(e)}",
                    f"uses eps = {e:g} when eps is None (PyTorch: the dtype's machine epsilon)",
                    default_eps=e,
                )
                for e in (1e-5, 1e-6, 1e-8)
            ],
            _op(
                "rms_norm",
                "rms-default-eps-float32",
                "uses float32's machine epsilon when eps is None, whatever the dtype",
                default_eps=float(np.finfo(np.float32).eps),
            ),
            _op(
                "rms_norm",
                "rms-unbiased-mean-square",
                "divides the sum of squares by n - 1 instead of n",
                ddof=1,
            ),
            _op("rms_norm", "rms-subtracts-mean", "subtracts the mean first", subtract_mean=True),
            _op(
                "rms_norm",
                "rms-sum-not-mean",
                "divides by the root of the sum of squares, not their mean",
                sum_not_mean=True,
            ),
            _op(
                "rms_norm",
                "rms-last-dim-only",
                "takes the mean of squares over the last axis only",
                last_dim_only=True,
            ),
            _op(
                "rms_norm",
                "rms-batch-axis",
                "takes the mean of squares over the batch axis",
                batch_axis=True,
            ),
            _op(
                "rms_norm",
                "rms-all-but-batch",
                "takes the mean of squares over every axis but the batch",
                all_but_batch=True,
            ),
            _op(
                "rms_norm", "weight-not-applied", "never multiplies by the weight", drop_weight=True
            ),
        ]
    ),
    "fold_batchnorm": tuple(
        [
            _op("fold_batchnorm", "fold-no-eps", "leaves eps out of the scale", no_eps=True),
            _op(
                "fold_batchnorm",
                "eps-outside-sqrt",
                "adds eps to the standard deviation, sqrt(running_var) + eps",
                eps_outside_sqrt=True,
            ),
            _op(
                "fold_batchnorm",
                "fold-var-not-std",
                "divides by the variance instead of the standard deviation",
                var_not_std=True,
            ),
            _op(
                "fold_batchnorm",
                "fold-forgets-running-mean",
                "never subtracts the running mean in the folded bias",
                forget_mean=True,
            ),
            _op(
                "fold_batchnorm",
                "fold-forgets-bias",
                "drops the layer's own bias from the folded bias",
                forget_bias=True,
            ),
            _op(
                "fold_batchnorm",
                "fold-mean-not-scaled",
                "subtracts the running mean after the scale",
                mean_unscaled=True,
            ),
            _op(
                "fold_batchnorm",
                "fold-forgets-beta",
                "never adds beta to the folded bias",
                forget_beta=True,
            ),
            _op(
                "fold_batchnorm",
                "fold-forgets-gamma",
                "leaves gamma out of the scale",
                forget_gamma=True,
            ),
            _op(
                "fold_batchnorm",
                "fold-weight-misses-gamma",
                "divides the weight by the standard deviation but never multiplies it by gamma",
                weight_without_gamma=True,
            ),
            _op(
                "fold_batchnorm",
                "fold-scales-input-dim",
                "scales the weight along its input axis",
                input_axis=True,
            ),
        ]
    ),
    "combine_batch_stats": tuple(
        [
            _op(
                "combine_batch_stats",
                "sync-unweighted-average",
                "averages the shards without weighting them by their counts",
                weights="equal",
            ),
            _op(
                "combine_batch_stats",
                "sync-no-between-shard-term",
                "leaves the spread between shard means out of the variance",
                between=False,
            ),
            _op(
                "combine_batch_stats",
                "sync-variances-unweighted",
                "averages the shard variances without their counts (the mean is weighted)",
                variance_weights="equal",
            ),
            _op(
                "combine_batch_stats",
                "sync-between-term-unweighted",
                "weighs the spread between shard means equally, not by the counts",
                between_weights="equal",
            ),
            _op(
                "combine_batch_stats",
                "sync-pooled-unbiased",
                "pools the shards as if their variances were unbiased: (n_k - 1) weights, "
                "divided by n - 1",
                pooled_unbiased=True,
            ),
            _op(
                "combine_batch_stats",
                "sync-unbiased-variance",
                "divides the combined variance by n - 1",
                ddof=1,
            ),
        ]
    ),
}
