# bug: dx misses the term through the batch variance
# diagnosis: no-variance-term
import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    red = tuple(a for a in range(x.ndim) if a != 1)
    b = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    xf = x.astype(np.float64)
    d = dout.astype(np.float64)
    xhat = (xf - xf.mean(red, keepdims=True)) / np.sqrt(xf.var(red, keepdims=True) + eps)
    std = np.sqrt(xf.var(red, keepdims=True) + eps)
    g = d * gamma.reshape(b)
    dx = (g - g.mean(red, keepdims=True)) / std
    return dx.astype(x.dtype), (d * xhat).sum(red).astype(x.dtype), d.sum(red).astype(x.dtype)
