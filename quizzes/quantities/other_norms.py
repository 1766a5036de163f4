"""Answer keys about the other normalizations and their neighbours: layer, RMS, group,
spectral and weight norm, data standardization, normalizer-free networks, QK-norm,
conditional norms, precision limits and test-time adaptation."""

from __future__ import annotations

import numpy as np

import normcore

from .common import EPS

# --------------------------------------------------------------------------- alternatives


def layer_norm_output(
    *,
    x1: float,
    x2: float,
    x3: float,
    x4: float,
    y1: float,
    y2: float,
    y3: float,
    y4: float,
    gamma: float,
    beta: float,
) -> float:
    """``LayerNorm(4)`` output for feature 0 of token ``[x1..x4]`` in the batch with ``[y1..y4]``.

    Weight ``gamma`` and bias ``beta`` for feature 0 (1 and 0 elsewhere), ``eps = 1e-5``.
    """
    tokens = np.array([[x1, x2, x3, x4], [y1, y2, y3, y4]], dtype=np.float64)
    weight = np.array([gamma, 1.0, 1.0, 1.0], dtype=np.float64)
    bias = np.array([beta, 0.0, 0.0, 0.0], dtype=np.float64)
    out = normcore.layer_norm(tokens, (4,), weight=weight, bias=bias, eps=EPS)
    return float(out[0, 0])


def rms_norm_output(*, x1: float, x2: float, x3: float, x4: float, weight: float) -> float:
    """RMSNorm output for ``x1`` in ``[x1, x2, x3, x4]``: ``weight * x1 / sqrt(mean(x**2) + 1e-6)``."""
    w = np.array([weight, 1.0, 1.0, 1.0], dtype=np.float64)
    out = normcore.rms_norm(
        np.array([[x1, x2, x3, x4]], dtype=np.float64), (4,), weight=w, eps=1e-6
    )
    return float(out[0, 0])


def group_norm_output(
    *,
    a1: float,
    a2: float,
    b1: float,
    b2: float,
    p1: float,
    p2: float,
    q1: float,
    q2: float,
) -> float:
    """``GroupNorm(2, 4, affine=False)`` output at channel 2, position 0, for one sample.

    Channels ``[a1, a2], [b1, b2], [p1, p2], [q1, q2]``; the answer's group is ``p, q``.
    """
    x = np.array([[[a1, a2], [b1, b2], [p1, p2], [q1, q2]]], dtype=np.float64)
    out = normcore.group_norm(x, 2, eps=EPS)
    return float(out[0, 2, 0])


def spectral_norm_2x2(*, a: int, b: int, c: int, d: int) -> float:
    """Largest singular value of ``[[a, b], [c, d]]`` (exact, via normcore's SVD path)."""
    _, sigma, _, _ = normcore.spectral_norm(np.array([[a, b], [c, d]], dtype=np.float64))
    return float(sigma)


def weight_norm_component(*, v1: float, v2: float, v3: float, g: float) -> float:
    """First component of ``g * v / ||v||`` for one neuron's ``v = [v1, v2, v3]``."""
    w = normcore.weight_norm(
        np.array([[v1, v2, v3]], dtype=np.float64), np.array([g], dtype=np.float64)
    )
    return float(w[0, 0])


# --------------------------------------------------------------------------- data standardization


def minmax_scaled_value(*, t1: float, t2: float, t3: float, t4: float, x: float) -> float:
    """A new value ``x`` under a [0, 1] min-max scaler fitted on ``[t1, t2, t3, t4]``, unclipped.

    ``normcore.minmax_scale`` fits and transforms the same array, so it cannot map a value
    outside its fitting data; the fitted transform ``(x - min) / (max - min)`` is applied
    here directly (the tests check it agrees with ``minmax_scale`` on the training values).
    """
    train = np.array([t1, t2, t3, t4], dtype=np.float64)
    low, high = float(train.min()), float(train.max())
    return (x - low) / (high - low)


def zscore_value(*, t1: float, t2: float, t3: float, t4: float, t5: float, x: float) -> float:
    """``(x - mean) / std`` with the mean and population std (``n``) of the training values."""
    mean, var = normcore.moments(
        np.array([t1, t2, t3, t4, t5], dtype=np.float64), axis=0, correction=0
    )
    return float((x - mean) / np.sqrt(var))


# Transformers and LLMs, mixed precision, normalizer-free training, conditional norms,
# test-time adaptation and gradient checkpointing.


def fixup_branch_scale(*, branches: int, layers_per_branch: int) -> float:
    """Fixup's factor on the standard init of a residual branch's layers: ``L ** (-1 / (2m - 2))``."""
    return float(branches ** (-1.0 / (2 * layers_per_branch - 2)))


def nf_block_beta(*, alpha: float, block: int) -> float:
    """NF-ResNet's ``beta`` for block ``block`` (from 1) of a stage whose input has variance 1.

    Each block adds a branch of variance ``alpha**2``, so block ``k`` sees variance
    ``1 + (k - 1) * alpha**2`` and divides by its square root.
    """
    return float(np.sqrt(1.0 + (block - 1) * alpha**2))


_AGC_EPS = 1e-3  # NFNets' floor on the weight norm, so zero-initialized weights can move


def agc_clipped_grad_norm(*, weight_norm: float, grad_norm: float, clip: float) -> float:
    """A unit's gradient norm after adaptive gradient clipping with threshold ``clip``.

    The gradient is rescaled to ``clip * max(weight_norm, 1e-3)`` when its norm exceeds that.
    """
    limit = clip * max(weight_norm, _AGC_EPS)
    return float(min(grad_norm, limit))


def fp16_sum_of_squares_limit(*, features: int) -> float:
    """The largest magnitude ``a`` for which ``features * a**2`` stays finite in float16."""
    return float(np.sqrt(float(np.finfo(np.float16).max) / features))


def qk_norm_max_logit(*, head_dim: int) -> float:
    """The largest attention logit ``q . k / sqrt(d)`` when q and k are RMS-normalized (unit gain).

    An RMS-normalized vector has Euclidean norm ``sqrt(d)``, so the dot product peaks at ``d``
    for parallel vectors (eps ``1e-6`` makes the value a hair smaller).
    """
    v = normcore.rms_norm(np.ones((1, head_dim), dtype=np.float64), (head_dim,), eps=1e-6)
    return float(v[0] @ v[0] / np.sqrt(head_dim))


def adaln_modulated_output(
    *, x1: float, x2: float, x3: float, x4: float, shift: float, scale: float
) -> float:
    """DiT's ``modulate(LayerNorm(x), shift, scale)`` for ``x1`` in the token ``[x1..x4]``.

    Layer norm without affine parameters (``eps = 1e-6``), then ``z * (1 + scale) + shift``.
    """
    z = normcore.layer_norm(np.array([[x1, x2, x3, x4]], dtype=np.float64), (4,), eps=1e-6)
    return float(z[0, 0] * (1.0 + scale) + shift)


def adain_output(
    *, c1: float, c2: float, c3: float, c4: float, style_mean: float, style_std: float
) -> float:
    """AdaIN output at position 1 of a content channel ``[c1..c4]`` (a 2x2 map).

    Instance-normalized with the channel's own mean and population variance (``eps = 1e-5``),
    then scaled by the style channel's std and shifted by its mean.
    """
    x = np.array([[[c1, c2, c3, c4]]], dtype=np.float64)
    z, _, _ = normcore.instance_norm(x, eps=EPS)
    return float(style_std * z[0, 0, 0] + style_mean)


def weight_standardized_value(*, w1: float, w2: float, w3: float, w4: float) -> float:
    """Weight standardization of ``w1`` in one filter's weights ``[w1..w4]`` (population std)."""
    mean, var = normcore.moments(np.array([w1, w2, w3, w4], dtype=np.float64), correction=0)
    return float((w1 - mean) / np.sqrt(var))


def prediction_entropy(*, z1: float, z2: float, z3: float) -> float:
    """Shannon entropy, in nats, of the softmax of the logits ``[z1, z2, z3]`` (TENT's loss)."""
    z = np.array([z1, z2, z3], dtype=np.float64)
    logp = z - z.max() - np.log(np.exp(z - z.max()).sum())
    return float(-(np.exp(logp) * logp).sum())
