# bug: the running mean is subtracted after the scale
# diagnosis: fold-mean-not-scaled
import numpy as np


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    s = gamma.astype(np.float64) / np.sqrt(running_var.astype(np.float64) + eps)
    b0 = np.zeros(weight.shape[0]) if bias is None else bias.astype(np.float64)
    w = weight * s.reshape(-1, *([1] * (weight.ndim - 1)))
    b = b0 * s - running_mean + beta
    return w.astype(weight.dtype), b.astype(weight.dtype)
