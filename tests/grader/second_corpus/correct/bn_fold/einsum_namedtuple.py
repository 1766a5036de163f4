from typing import NamedTuple

import numpy as np


class Folded(NamedTuple):
    weight: np.ndarray
    bias: np.ndarray


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    inv_std = 1.0 / np.sqrt(running_var.astype(np.float64) + eps)
    scale = gamma * inv_std
    w = np.einsum("o...,o->o...", weight.astype(np.float64), scale)
    b = beta - running_mean * scale
    if bias is not None:
        b = b + bias * scale
    folded = Folded(w.astype(weight.dtype), np.asarray(b, dtype=weight.dtype))
    return folded.weight, folded.bias
