# bug: statistics over axis 0 only
# diagnosis: per-position-statistics
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x64 = x.astype(np.float64)
    if training:
        if x.size // x.shape[1] == 1:
            raise ValueError("one value per channel")
        mean = x64.mean(axis=0, keepdims=True)
        var = x64.var(axis=0, keepdims=True)
        axes = (0,) + tuple(range(2, x.ndim))
        n = x.size // x.shape[1]
        rm = (1 - momentum) * running_mean + momentum * x64.mean(axis=axes)
        rv = (1 - momentum) * running_var + momentum * x64.var(axis=axes) * n / (n - 1)
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
        rm, rv = running_mean, running_var
    out = (x64 - mean) / np.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape)
    return out.astype(x.dtype), rm.astype(x.dtype), rv.astype(x.dtype)
