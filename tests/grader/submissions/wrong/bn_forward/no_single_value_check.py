# bug: training with one value per channel does not raise ValueError
# diagnosis: missing-value-error
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x64 = x.astype(np.float64)
    if training:
        n = x.size // x.shape[1]
        mean, var = x64.mean(axis=axes), x64.var(axis=axes)
        unbiased = var * n / max(n - 1, 1)
        rm = (1 - momentum) * running_mean + momentum * mean
        rv = (1 - momentum) * running_var + momentum * unbiased
    else:
        mean, var, rm, rv = running_mean, running_var, running_mean, running_var
    out = (x64 - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    out = out * gamma.reshape(shape) + beta.reshape(shape)
    return out.astype(x.dtype), rm.astype(x.dtype), rv.astype(x.dtype)
