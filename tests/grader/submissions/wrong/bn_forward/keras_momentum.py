# bug: momentum weighs the old running value (Keras convention)
# diagnosis: keras-momentum
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    axes = tuple(i for i in range(x.ndim) if i != 1)
    bshape = [1] * x.ndim
    bshape[1] = -1
    if training:
        m = x.size // x.shape[1]
        if m < 2:
            raise ValueError("one value per channel")
        mean = x.mean(axis=axes, dtype=np.float64)
        var = x.var(axis=axes, dtype=np.float64)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var * m / (m - 1)
    else:
        mean, var = running_mean, running_var
    xn = (x - np.reshape(mean, bshape)) / np.sqrt(np.reshape(var, bshape) + eps)
    out = np.reshape(gamma, bshape) * xn + np.reshape(beta, bshape)
    return out.astype(x.dtype), running_mean.astype(x.dtype), running_var.astype(x.dtype)
