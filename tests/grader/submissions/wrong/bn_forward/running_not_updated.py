# bug: training mode returns the running statistics unchanged
# diagnosis: running-stats-not-updated
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x64 = x.astype(np.float64)
    if training:
        if x.size // x.shape[1] == 1:
            raise ValueError("one value per channel")
        mean, var = x64.mean(axis=axes), x64.var(axis=axes)
    else:
        mean, var = running_mean, running_var
    out = (x64 - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    out = out * gamma.reshape(shape) + beta.reshape(shape)
    return out.astype(x.dtype), running_mean.copy(), running_var.copy()
