# bug: variance as E[x^2] - E[x]^2, which cancels when the mean is large
# diagnosis: precision-lost-large-means
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x64 = x.astype(np.float64)
    if training:
        n = x.size // x.shape[1]
        if n == 1:
            raise ValueError("one value per channel")
        mean = x64.mean(axis=axes)
        var = np.maximum((x64 * x64).mean(axis=axes) - mean * mean, 0.0)
        rm = (1 - momentum) * running_mean + momentum * mean
        rv = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var, rm, rv = running_mean, running_var, running_mean, running_var
    out = (x64 - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    out = out * gamma.reshape(shape) + beta.reshape(shape)
    return out.astype(x.dtype), rm.astype(x.dtype), rv.astype(x.dtype)
