# bug: scale = gamma / (sqrt(running_var) + eps)
# diagnosis: eps-outside-sqrt
import numpy as np


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / (np.sqrt(running_var) + eps)
    if bias is None:
        bias = np.zeros_like(beta)
    w = weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))
    return w.astype(weight.dtype), ((bias - running_mean) * scale + beta).astype(weight.dtype)
