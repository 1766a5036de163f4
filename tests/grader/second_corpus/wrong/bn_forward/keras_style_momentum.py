# bug: moving average written as in Keras: momentum keeps the old value
# diagnosis: keras-momentum
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    red = (0,) + tuple(range(2, x.ndim))
    bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        n = x.size // x.shape[1]
        if n <= 1:
            raise ValueError("one value per channel")
        mu = x.mean(axis=red)
        var = x.var(axis=red)
        new_mean = momentum * running_mean + (1 - momentum) * mu
        new_var = momentum * running_var + (1 - momentum) * var * n / (n - 1)
    else:
        mu, var = running_mean, running_var
        new_mean, new_var = running_mean, running_var
    out = (x - mu.reshape(bshape)) / np.sqrt(var.reshape(bshape) + eps)
    out = out * gamma.reshape(bshape) + beta.reshape(bshape)
    return out.astype(x.dtype), new_mean.astype(x.dtype), new_var.astype(x.dtype)
