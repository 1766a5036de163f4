# bug: the weight is divided by the std but never multiplied by gamma (the bias uses gamma)
# diagnosis: fold-weight-misses-gamma
import numpy as np


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    std = np.sqrt(running_var + eps)
    if bias is None:
        bias = np.zeros_like(running_mean)
    shape = (-1,) + (1,) * (weight.ndim - 1)
    w = weight / std.reshape(shape)
    b = gamma * (bias - running_mean) / std + beta
    return w.astype(weight.dtype), b.astype(weight.dtype)
