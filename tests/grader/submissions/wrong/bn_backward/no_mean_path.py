# bug: dx misses the term through the batch mean
# diagnosis: backward-no-mean-path
import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x64, g64 = x.astype(np.float64), dout.astype(np.float64)
    mu = x64.mean(axis=axes, keepdims=True)
    istd = 1 / np.sqrt(x64.var(axis=axes, keepdims=True) + eps)
    xhat = (x64 - mu) * istd
    dxhat = g64 * gamma.reshape(shape)
    dx = istd * (dxhat - xhat * np.mean(dxhat * xhat, axis=axes, keepdims=True))
    dgamma = np.sum(g64 * xhat, axis=axes)
    dbeta = np.sum(g64, axis=axes)
    return dx.astype(x.dtype), dgamma.astype(x.dtype), dbeta.astype(x.dtype)
