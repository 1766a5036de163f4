"""Answer keys about batch normalization: training and evaluation outputs, running
statistics, folding, parameter counts, scale invariance, statistics merged across devices."""

from __future__ import annotations

import numpy as np

import normcore

from .common import EPS, batch_with_mean, column, one

# --------------------------------------------------------------------------- batch norm


def bn_train_output(
    *, x1: float, x2: float, x3: float, x4: float, gamma: float, beta: float
) -> float:
    """Training-mode batch norm output for ``x1`` in the batch ``[x1, x2, x3, x4]``.

    Batch mean and biased variance, ``eps = 1e-5``, scale ``gamma`` and shift ``beta``.
    """
    out, _, _ = normcore.batch_norm(
        column(x1, x2, x3, x4),
        one(0.0),
        one(1.0),
        weight=one(gamma),
        bias=one(beta),
        training=True,
        eps=EPS,
    )
    return float(out[0, 0])


def bn_running_mean_update(
    *, running_mean: float, x1: float, x2: float, x3: float, x4: float, momentum: float
) -> float:
    """``running_mean`` after one PyTorch training step on ``[x1, x2, x3, x4]``.

    PyTorch convention: ``new = (1 - momentum) * old + momentum * batch_mean``.
    """
    _, new_mean, _ = normcore.batch_norm(
        column(x1, x2, x3, x4),
        one(running_mean),
        one(1.0),
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
        column(x1, x2, x3, x4),
        one(0.0),
        one(running_var),
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
        batch_with_mean(batch_mean),
        one(moving_mean),
        one(1.0),
        training=True,
        momentum=1.0 - momentum,
    )
    return float(new_mean[0])


def ema_updates_to_forget(*, momentum: float, threshold: float) -> int:
    """Training steps until a running mean that starts at 1, fed batches of mean 0, is < threshold.

    PyTorch momentum convention; the answer is ``ceil(ln(threshold) / ln(1 - momentum))``,
    found here by running normcore's update step by step.
    """
    running = one(1.0)
    batch = batch_with_mean(0.0)
    steps = 0
    while float(running[0]) >= threshold:
        _, running, _ = normcore.batch_norm(
            batch, running, one(1.0), training=True, momentum=momentum
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
        batch_with_mean(batch_mean),
        one(running_mean),
        one(1.0),
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
        one(running_mean),
        one(running_var),
        weight=one(gamma),
        bias=one(beta),
        training=False,
        eps=EPS,
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
    batch = column(x1, x2, x3, x4)
    train_out, _, _ = normcore.batch_norm(
        batch, one(running_mean), one(running_var), training=True, eps=EPS
    )
    eval_out, _, _ = normcore.batch_norm(
        batch, one(running_mean), one(running_var), training=False, eps=EPS
    )
    return float(train_out[0, 0] - eval_out[0, 0])


def finetune_running_mean(
    *, running_mean: float, batch_mean: float, momentum: float, steps: int
) -> float:
    """Running mean after ``steps`` PyTorch training steps on batches that all have ``batch_mean``."""
    running = one(running_mean)
    batch = batch_with_mean(batch_mean)
    for _ in range(steps):
        _, running, _ = normcore.batch_norm(
            batch, running, one(1.0), training=True, momentum=momentum
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
        one(gamma),
        one(0.0),
        one(0.0),
        one(running_var),
        eps=EPS,
    )
    return float(fw[0, 0])


def folded_bias(
    *, conv_bias: float, gamma: float, beta: float, running_mean: float, running_var: float
) -> float:
    """Folded bias: ``gamma * (conv_bias - running_mean) / sqrt(running_var + 1e-5) + beta``."""
    _, fb = normcore.fold_batchnorm(
        np.array([[1.0]], dtype=np.float64),
        one(conv_bias),
        one(gamma),
        one(beta),
        one(running_mean),
        one(running_var),
        eps=EPS,
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


def checkpointed_bn_running_mean(
    *, running_mean: float, x1: float, x2: float, x3: float, x4: float, momentum: float
) -> float:
    """``running_mean`` after one training step of a batch norm inside a checkpointed segment.

    The segment's forward runs twice per step (once more during backward, on the same
    batch), so PyTorch's update ``(1 - momentum) * old + momentum * batch_mean`` is applied
    twice.
    """
    batch = column(x1, x2, x3, x4)
    mean = one(running_mean)
    for _ in range(2):
        _, mean, _ = normcore.batch_norm(batch, mean, one(1.0), training=True, momentum=momentum)
    return float(mean[0])


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
        column(*([x] * copies)),
        one(running_mean),
        one(running_var),
        weight=one(gamma),
        bias=one(beta),
        training=True,
        eps=EPS,
    )
    return float(out[0, 0])
