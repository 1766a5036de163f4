# bug: dgamma sums dout * x instead of dout * x_hat
# diagnosis: backward-dgamma-from-x
import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x64, d64 = x.astype(np.float64), dout.astype(np.float64)
    inv = 1.0 / np.sqrt(x64.var(axis=axes, keepdims=True) + eps)
    xhat = (x64 - x64.mean(axis=axes, keepdims=True)) * inv
    g = d64 * gamma.reshape(shape)
    dx = inv * (g - g.mean(axis=axes, keepdims=True) - xhat * (g * xhat).mean(axis=axes, keepdims=True))
    dgamma = (d64 * x64).sum(axis=axes)
    return dx.astype(x.dtype), dgamma.astype(x.dtype), d64.sum(axis=axes).astype(x.dtype)
