# bug: evaluation mode normalizes with the batch's statistics
# diagnosis: eval-uses-batch-stats
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x64 = x.astype(np.float64)
    mean, var = x64.mean(axis=axes), x64.var(axis=axes)
    if training:
        n = x.size // x.shape[1]
        if n == 1:
            raise ValueError("one value per channel")
        rm = (1 - momentum) * running_mean + momentum * mean
        rv = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        rm, rv = running_mean.copy(), running_var.copy()
    out = (x64 - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    out = out * gamma.reshape(shape) + beta.reshape(shape)
    return out.astype(x.dtype), rm.astype(x.dtype), rv.astype(x.dtype)
