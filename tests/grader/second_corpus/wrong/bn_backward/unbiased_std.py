# bug: the std is recomputed with ddof=1 in the backward pass
# diagnosis: backward-unbiased-variance
import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    xc = x - x.mean(axis=axes, keepdims=True)
    std = np.sqrt(x.var(axis=axes, keepdims=True, ddof=1) + eps)
    xh = xc / std
    g = dout * gamma.reshape(shape)
    dx = (g - g.mean(axis=axes, keepdims=True) - xh * (g * xh).mean(axis=axes, keepdims=True)) / std
    return dx.astype(x.dtype), (dout * xh).sum(axis=axes).astype(x.dtype), dout.sum(axis=axes).astype(x.dtype)
