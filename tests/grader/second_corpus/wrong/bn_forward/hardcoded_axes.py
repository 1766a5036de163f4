# bug: statistics over axes (0, 2, 3) hard-coded for images: 2-D, 3-D and 5-D inputs crash
# diagnosis: crash-on-input-kind
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.size // x.shape[1]
        if n == 1:
            raise ValueError("expected more than one value per channel")
        mean = x.mean(axis=(0, 2, 3))
        var = x.var(axis=(0, 2, 3))
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
    shape = (1, -1) + (1,) * (x.ndim - 2)
    out = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    out = out * gamma.reshape(shape) + beta.reshape(shape)
    return out.astype(x.dtype), running_mean.astype(x.dtype), running_var.astype(x.dtype)
