# bug: the 2-D recipe from a course (mean over axis 0) applied to images: each position gets its own statistics
# diagnosis: per-position-statistics
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training:
        if x.size // x.shape[1] == 1:
            raise ValueError("need more than one value per channel")
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        xn = (x - mu) / np.sqrt(var + eps)
        axes = (0,) + tuple(range(2, x.ndim))
        n = x.size // x.shape[1]
        bm, bv = x.mean(axis=axes), x.var(axis=axes) * n / (n - 1)
        running_mean = (1 - momentum) * running_mean + momentum * bm
        running_var = (1 - momentum) * running_var + momentum * bv
    else:
        xn = (x - running_mean.reshape(shape)) / np.sqrt(running_var.reshape(shape) + eps)
    out = gamma.reshape(shape) * xn + beta.reshape(shape)
    return out.astype(x.dtype), running_mean.astype(x.dtype), running_var.astype(x.dtype)
