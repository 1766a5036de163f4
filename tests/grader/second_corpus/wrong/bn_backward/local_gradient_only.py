# bug: dx = dout * gamma / std, as if mean and variance were constants
# diagnosis: no-mean-term
import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mu = x.mean(axis=axes, keepdims=True)
    std = np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    xh = (x - mu) / std
    dx = dout * gamma.reshape(shape) / std
    return dx.astype(x.dtype), (dout * xh).sum(axis=axes).astype(x.dtype), dout.sum(axis=axes).astype(x.dtype)
