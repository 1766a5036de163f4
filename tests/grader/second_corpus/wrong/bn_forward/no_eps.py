# bug: eps never added (divides by the plain standard deviation)
# diagnosis: eps-missing
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training:
        n = x.size // x.shape[1]
        if n == 1:
            raise ValueError("expected more than one value per channel")
        mean, var = x.mean(axis=axes), x.var(axis=axes)
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape))
    out = out * gamma.reshape(shape) + beta.reshape(shape)
    return out.astype(x.dtype), running_mean.astype(x.dtype), running_var.astype(x.dtype)
