# bug: gamma and beta are never applied
# diagnosis: missing-affine
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    keep = dict(axis=axes, keepdims=True)
    x64 = x.astype(np.float64)
    if training:
        n = x.size // x.shape[1]
        if n == 1:
            raise ValueError("one value per channel")
        mean, var = x64.mean(**keep), x64.var(**keep)
        rm = (1 - momentum) * running_mean + momentum * mean.ravel()
        rv = (1 - momentum) * running_var + momentum * var.ravel() * n / (n - 1)
    else:
        shape = (1, -1) + (1,) * (x.ndim - 2)
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
        rm, rv = running_mean, running_var
    out = (x64 - mean) / np.sqrt(var + eps)
    return out.astype(x.dtype), rm.astype(x.dtype), rv.astype(x.dtype)
