"""Answer keys of the numeric questions in ``quizzes/bank/numeric/*.yaml``.

Each numeric template names one function here (``answer: {quantity: NAME}``) and the bank
calls it with the template's drawn params as keyword arguments, so every function's keyword
names match its template's ``params`` exactly. The functions are pure and return a Python
``float`` (or an ``int`` for counts).

Where normcore has a function for the computation, the quantity calls it (``batch_norm``,
``layer_norm``, ``rms_norm``, ``group_norm``, ``fold_batchnorm``, ``combine_batch_stats``,
``moments``, ``spectral_norm``, ``weight_norm``) so the question bank and the grader share one
ground truth. Plain arithmetic is used only where no normcore function fits (parameter
counts, bytes moved, a fitted min-max transform of a new value, the scale-invariance factor).
All arrays are float64.
"""

from __future__ import annotations

import numpy as np

import normcore

__all__ = [
    "bn_train_output",
    "bn_running_mean_update",
    "bn_running_var_update",
    "unbiased_variance",
    "keras_moving_mean_update",
    "ema_updates_to_forget",
    "cumulative_running_mean",
    "bn2d_state_dict_size",
    "bn_eval_output",
    "conv_bn_param_count",
    "scale_invariant_relative_step_factor",
    "sync_bn_elements_per_statistic",
    "combined_mean",
    "combined_variance",
    "layer_norm_output",
    "rms_norm_output",
    "group_norm_output",
    "spectral_norm_2x2",
    "weight_norm_component",
    "minmax_scaled_value",
    "zscore_value",
    "folded_weight",
    "folded_bias",
    "fold_bn_bytes_saved_mb",
    "finetune_running_mean",
    "train_eval_output_gap",
    "checkpointed_bn_running_mean",
    "fixup_branch_scale",
    "nf_block_beta",
    "agc_clipped_grad_norm",
    "fp16_sum_of_squares_limit",
    "qk_norm_max_logit",
    "adaln_modulated_output",
    "adain_output",
    "weight_standardized_value",
    "prediction_entropy",
    "identical_batch_bn_output",
]

_EPS = 1e-5  # PyTorch's default batch/layer/group norm epsilon, stated in the prompts


def _column(*values: float) -> np.ndarray:
    """A batch of N samples of one feature, shape ``(N, 1)``, as batch norm expects."""
    return np.array(values, dtype=np.float64).reshape(-1, 1)


def _one(a: float) -> np.ndarray:
    return np.array([a], dtype=np.float64)


def _batch_with_mean(mean: float) -> np.ndarray:
    """A two-sample batch whose mean is ``mean`` (batch norm refuses one value per channel)."""
    return _column(mean - 1.0, mean + 1.0)


# --------------------------------------------------------------------------- batch norm


def bn_train_output(
    *, x1: float, x2: float, x3: float, x4: float, gamma: float, beta: float
) -> float:
    """Training-mode batch norm output for ``x1`` in the batch ``[x1, x2, x3, x4]``.

    Batch mean and biased variance, ``eps = 1e-5``, scale ``gamma`` and shift ``beta``.
    """
    out, _, _ = normcore.batch_norm(
        _column(x1, x2, x3, x4),
        _one(0.0),
        _one(1.0),
        weight=_one(gamma),
        bias=_one(beta),
        training=True,
        eps=_EPS,
    )
    return float(out[0, 0])


def bn_running_mean_update(
    *, running_mean: float, x1: float, x2: float, x3: float, x4: float, momentum: float
) -> float:
    """``running_mean`` after one PyTorch training step on ``[x1, x2, x3, x4]``.

    PyTorch convention: ``new = (1 - momentum) * old + momentum * batch_mean``.
    """
    _, new_mean, _ = normcore.batch_norm(
        _column(x1, x2, x3, x4),
        _one(running_mean),
        _one(1.0),
        training=True,
        momentum=momentum,
    )
    return float(new_mean[0])


def bn_running_var_update(
    *, running_var: float, x1: float, x2: float, x3: float, x4: float, momentum: float
) -> float:
    """``running_var`` after one PyTorch training step on ``[x1, x2, x3, x4]``.

    ``new = (1 - momentum) * old + momentum * unbiased_batch_var`` (divisor ``n - 1``).
    """
    _, _, new_var = normcore.batch_norm(
        _column(x1, x2, x3, x4),
        _one(0.0),
        _one(running_var),
        training=True,
        momentum=momentum,
    )
    return float(new_var[0])


def unbiased_variance(*, x1: float, x2: float, x3: float, x4: float, x5: float) -> float:
    """Unbiased sample variance (divisor ``n - 1``) of five values."""
    _, var = normcore.moments(
        np.array([x1, x2, x3, x4, x5], dtype=np.float64), axis=0, correction=1
    )
    return float(var)


def keras_moving_mean_update(*, moving_mean: float, batch_mean: float, momentum: float) -> float:
    """Keras ``moving_mean`` after one step: ``momentum * old + (1 - momentum) * batch_mean``.

    Keras's ``momentum`` is the weight on the old value, so it is PyTorch's ``1 - momentum``.
    """
    _, new_mean, _ = normcore.batch_norm(
        _batch_with_mean(batch_mean),
        _one(moving_mean),
        _one(1.0),
        training=True,
        momentum=1.0 - momentum,
    )
    return float(new_mean[0])


def ema_updates_to_forget(*, momentum: float, threshold: float) -> int:
    """Training steps until a running mean that starts at 1, fed batches of mean 0, is < threshold.

    PyTorch momentum convention; the answer is ``ceil(ln(threshold) / ln(1 - momentum))``,
    found here by running normcore's update step by step.
    """
    running = _one(1.0)
    batch = _batch_with_mean(0.0)
    steps = 0
    while float(running[0]) >= threshold:
        _, running, _ = normcore.batch_norm(
            batch, running, _one(1.0), training=True, momentum=momentum
        )
        steps += 1
        if steps > 100_000:  # pragma: no cover - guards a bad template
            raise ValueError(
                f"running mean does not fall below {threshold} with momentum {momentum}"
            )
    return steps


def cumulative_running_mean(*, batches_seen: int, running_mean: float, batch_mean: float) -> float:
    """PyTorch ``momentum=None`` (cumulative average): running mean after batch ``batches_seen + 1``.

    PyTorch increments ``num_batches_tracked`` and then uses the factor
    ``1 / num_batches_tracked``; normcore's functional ``batch_norm`` takes that factor as
    its ``momentum`` (it refuses ``momentum=None``).
    """
    _, new_mean, _ = normcore.batch_norm(
        _batch_with_mean(batch_mean),
        _one(running_mean),
        _one(1.0),
        training=True,
        momentum=1.0 / (batches_seen + 1),
    )
    return float(new_mean[0])


def bn2d_state_dict_size(*, channels: int) -> int:
    """Scalars in ``BatchNorm2d(channels).state_dict()``: weight, bias, running mean, running var, counter."""
    learnable = 2 * channels  # weight (gamma) and bias (beta)
    buffers = 2 * channels + 1  # running_mean, running_var, num_batches_tracked
    return learnable + buffers


def bn_eval_output(
    *, x: float, running_mean: float, running_var: float, gamma: float, beta: float
) -> float:
    """Evaluation-mode batch norm output for one value, ``eps = 1e-5``."""
    out, _, _ = normcore.batch_norm(
        np.array([[x]], dtype=np.float64),
        _one(running_mean),
        _one(running_var),
        weight=_one(gamma),
        bias=_one(beta),
        training=False,
        eps=_EPS,
    )
    return float(out[0, 0])


def train_eval_output_gap(
    *,
    x1: float,
    x2: float,
    x3: float,
    x4: float,
    running_mean: float,
    running_var: float,
) -> float:
    """Training-mode minus evaluation-mode batch norm output for ``x1`` (gamma 1, beta 0)."""
    batch = _column(x1, x2, x3, x4)
    train_out, _, _ = normcore.batch_norm(
        batch, _one(running_mean), _one(running_var), training=True, eps=_EPS
    )
    eval_out, _, _ = normcore.batch_norm(
        batch, _one(running_mean), _one(running_var), training=False, eps=_EPS
    )
    return float(train_out[0, 0] - eval_out[0, 0])


def finetune_running_mean(
    *, running_mean: float, batch_mean: float, momentum: float, steps: int
) -> float:
    """Running mean after ``steps`` PyTorch training steps on batches that all have ``batch_mean``."""
    running = _one(running_mean)
    batch = _batch_with_mean(batch_mean)
    for _ in range(steps):
        _, running, _ = normcore.batch_norm(
            batch, running, _one(1.0), training=True, momentum=momentum
        )
    return float(running[0])


# --------------------------------------------------------------------------- placement / performance


def conv_bn_param_count(*, c_in: int, c_out: int, kernel: int) -> int:
    """Learnable parameters of ``Conv2d(c_in, c_out, kernel, bias=False)`` + ``BatchNorm2d(c_out)``."""
    return c_in * c_out * kernel * kernel + 2 * c_out


def folded_weight(*, weight: float, gamma: float, running_var: float) -> float:
    """One kernel entry after folding eval-mode batch norm: ``weight * gamma / sqrt(var + 1e-5)``."""
    fw, _ = normcore.fold_batchnorm(
        np.array([[weight]], dtype=np.float64),
        None,
        _one(gamma),
        _one(0.0),
        _one(0.0),
        _one(running_var),
        eps=_EPS,
    )
    return float(fw[0, 0])


def folded_bias(
    *, conv_bias: float, gamma: float, beta: float, running_mean: float, running_var: float
) -> float:
    """Folded bias: ``gamma * (conv_bias - running_mean) / sqrt(running_var + 1e-5) + beta``."""
    _, fb = normcore.fold_batchnorm(
        np.array([[1.0]], dtype=np.float64),
        _one(conv_bias),
        _one(gamma),
        _one(beta),
        _one(running_mean),
        _one(running_var),
        eps=_EPS,
    )
    return float(fb[0])


def fold_bn_bytes_saved_mb(
    *, batch: int, channels: int, size: int, bytes_per_element: int
) -> float:
    """Megabytes (10^6 bytes) of traffic saved by folding: one read and one write of the tensor."""
    tensor_bytes = batch * channels * size * size * bytes_per_element
    return 2 * tensor_bytes / 1e6


# --------------------------------------------------------------------------- regularization


def scale_invariant_relative_step_factor(*, norm_before: float, norm_after: float) -> float:
    """Change of ``||delta w|| / ||w||`` under SGD when a scale-invariant ``w`` shrinks in norm.

    ``grad L(c w) = grad L(w) / c``, so the relative step scales by ``1 / c**2`` with
    ``c = norm_after / norm_before``. No normcore function expresses this; it is checked
    against autograd in the tests.
    """
    return (norm_before / norm_after) ** 2


# --------------------------------------------------------------------------- batch size / sync


def sync_bn_elements_per_statistic(
    *, gpus: int, per_gpu_batch: int, channels: int, size: int
) -> int:
    """Values averaged into one channel's mean by synchronized batch norm: ``N_global * H * W``.

    ``channels`` is part of the question but does not enter the count.
    """
    del channels
    return gpus * per_gpu_batch * size * size


def combined_mean(*, n1: int, mean1: float, n2: int, mean2: float) -> float:
    """Mean of two shards merged by count."""
    _, mean, _ = normcore.combine_batch_stats(
        np.array([n1, n2]),
        np.array([[mean1], [mean2]], dtype=np.float64),
        np.zeros((2, 1), dtype=np.float64),
    )
    return float(mean[0])


def combined_variance(
    *, n1: int, mean1: float, var1: float, n2: int, mean2: float, var2: float
) -> float:
    """Biased variance of two shards given their counts, means and biased variances."""
    _, _, var = normcore.combine_batch_stats(
        np.array([n1, n2]),
        np.array([[mean1], [mean2]], dtype=np.float64),
        np.array([[var1], [var2]], dtype=np.float64),
    )
    return float(var[0])


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
    out = normcore.layer_norm(tokens, (4,), weight=weight, bias=bias, eps=_EPS)
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
    out = normcore.group_norm(x, 2, eps=_EPS)
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


# --------------------------------------------------------------------------- 2026 coverage
# Transformers and LLMs, mixed precision, normalizer-free training, conditional norms,
# test-time adaptation and gradient checkpointing.


def checkpointed_bn_running_mean(
    *, running_mean: float, x1: float, x2: float, x3: float, x4: float, momentum: float
) -> float:
    """``running_mean`` after one training step of a batch norm inside a checkpointed segment.

    The segment's forward runs twice per step (once more during backward, on the same
    batch), so PyTorch's update ``(1 - momentum) * old + momentum * batch_mean`` is applied
    twice.
    """
    batch = _column(x1, x2, x3, x4)
    mean = _one(running_mean)
    for _ in range(2):
        _, mean, _ = normcore.batch_norm(batch, mean, _one(1.0), training=True, momentum=momentum)
    return float(mean[0])


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
    z, _, _ = normcore.instance_norm(x, eps=_EPS)
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


def identical_batch_bn_output(
    *,
    copies: int,
    x: float,
    gamma: float,
    beta: float,
    running_mean: float,
    running_var: float,
) -> float:
    """Train-mode batch norm output for a batch of ``copies`` identical values ``x``.

    The batch mean equals ``x`` and the variance is 0, so the output is ``beta`` whatever
    the running statistics hold.
    """
    out, _, _ = normcore.batch_norm(
        _column(*([x] * copies)),
        _one(running_mean),
        _one(running_var),
        weight=_one(gamma),
        bias=_one(beta),
        training=True,
        eps=_EPS,
    )
    return float(out[0, 0])
