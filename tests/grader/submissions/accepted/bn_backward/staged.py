import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x64, d64 = x.astype(np.float64), dout.astype(np.float64)
    m = x.size // x.shape[1]
    mu = x64.mean(axis=axes, keepdims=True)
    xmu = x64 - mu
    ivar = 1.0 / np.sqrt((xmu**2).mean(axis=axes, keepdims=True) + eps)
    dxhat = d64 * gamma.reshape(shape)
    dvar = np.sum(dxhat * xmu, axis=axes, keepdims=True) * -0.5 * ivar**3
    dmu = np.sum(-dxhat * ivar, axis=axes, keepdims=True) + dvar * np.mean(-2.0 * xmu, axis=axes, keepdims=True)
    dx = dxhat * ivar + dvar * 2.0 * xmu / m + dmu / m
    return dx.astype(x.dtype), np.sum(d64 * xmu * ivar, axis=axes).astype(x.dtype), d64.sum(axis=axes).astype(x.dtype)
