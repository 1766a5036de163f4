# bug: computes in float64 and never casts back
# diagnosis: wrong-output-dtype
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x64 = x.astype(np.float64)
    if training:
        n = x.size // x.shape[1]
        if n == 1:
            raise ValueError("one value per channel")
        mean, var = x64.mean(axis=axes), x64.var(axis=axes)
        rm = (1 - momentum) * running_mean.astype(np.float64) + momentum * mean
        rv = (1 - momentum) * running_var.astype(np.float64) + momentum * var * n / (n - 1)
    else:
        mean, var = running_mean.astype(np.float64), running_var.astype(np.float64)
        rm, rv = mean, var
    out = (x64 - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    return out * gamma.reshape(shape) + beta.reshape(shape), rm, rv
