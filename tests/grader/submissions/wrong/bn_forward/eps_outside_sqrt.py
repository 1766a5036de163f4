# bug: divides by sqrt(var) + eps
# diagnosis: eps-outside-sqrt
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
        rm = (1 - momentum) * running_mean + momentum * mean
        rv = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var, rm, rv = running_mean, running_var, running_mean, running_var
    std = np.sqrt(np.asarray(var, np.float64).reshape(shape)) + eps
    out = (x64 - np.asarray(mean, np.float64).reshape(shape)) / std
    out = out * gamma.reshape(shape) + beta.reshape(shape)
    return out.astype(x.dtype), rm.astype(x.dtype), rv.astype(x.dtype)
