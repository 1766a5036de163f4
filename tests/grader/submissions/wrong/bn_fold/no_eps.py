# bug: eps left out of the scale
# diagnosis: fold-no-eps
import numpy as np


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma.astype(np.float64) / np.sqrt(running_var.astype(np.float64))
    if bias is None:
        bias = np.zeros_like(running_mean)
    w = weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))
    b = (bias - running_mean) * scale + beta
    return w.astype(weight.dtype), b.astype(weight.dtype)
