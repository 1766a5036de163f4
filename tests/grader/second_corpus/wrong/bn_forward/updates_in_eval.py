# bug: the running statistics are updated in eval mode as well
# diagnosis: running-stats-updated-in-eval
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    n = x.size // x.shape[1]
    if training and n == 1:
        raise ValueError("expected more than one value per channel")
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    unbiased = var * n / (n - 1) if n > 1 else var
    new_mean = (1 - momentum) * running_mean + momentum * mean
    new_var = (1 - momentum) * running_var + momentum * unbiased
    if not training:
        mean, var = running_mean, running_var
    out = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    out = out * gamma.reshape(shape) + beta.reshape(shape)
    return out.astype(x.dtype), new_mean.astype(x.dtype), new_var.astype(x.dtype)
