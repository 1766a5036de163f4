from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class BatchStats:
    mean: np.ndarray
    var: np.ndarray
    count: int

    @classmethod
    def of(cls, x: np.ndarray) -> BatchStats:
        moved = np.moveaxis(x, 1, 0).reshape(x.shape[1], -1).astype(np.float64)
        return cls(moved.mean(axis=1), moved.var(axis=1), moved.shape[1])


def _channels(v: np.ndarray, ndim: int) -> np.ndarray:
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        stats = BatchStats.of(x)
        if stats.count < 2:
            raise ValueError(f"expected more than 1 value per channel when training, got input of shape {x.shape}")
        mean, var = stats.mean, stats.var
        unbiased = var * stats.count / (stats.count - 1)
        new_mean = running_mean + momentum * (mean - running_mean)
        new_var = running_var + momentum * (unbiased - running_var)
    else:
        mean, var = running_mean.astype(np.float64), running_var.astype(np.float64)
        new_mean, new_var = running_mean.copy(), running_var.copy()
    scale = gamma / np.sqrt(var + eps)
    shift = beta - mean * scale
    out = x * _channels(scale, x.ndim) + _channels(shift, x.ndim)
    return out.astype(x.dtype), new_mean.astype(x.dtype), new_var.astype(x.dtype)
