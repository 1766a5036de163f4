# bug: scale[:, None] is right for a linear weight only
# diagnosis: fold-linear-only-broadcast
import numpy as np


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    if bias is None:
        bias = np.zeros_like(running_mean)
    w = weight * scale[:, None]
    b = (bias - running_mean) * scale + beta
    return w.astype(weight.dtype), b.astype(weight.dtype)
