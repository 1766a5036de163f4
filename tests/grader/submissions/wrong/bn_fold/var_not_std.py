# bug: divides by the variance instead of the standard deviation
# diagnosis: fold-var-not-std
import numpy as np


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / (running_var + eps)
    if bias is None:
        bias = np.zeros_like(running_mean)
    w = weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))
    b = (bias - running_mean) * scale + beta
    return w.astype(weight.dtype), b.astype(weight.dtype)
