# bug: staged backward that drops the 1/2 in dvar
# diagnosis: dvar-half-lost
import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x64, d64 = x.astype(np.float64), dout.astype(np.float64)
    m = x.size // x.shape[1]
    mu = x64.mean(axis=axes, keepdims=True)
    var = x64.var(axis=axes, keepdims=True)
    xmu = x64 - mu
    ivar = 1.0 / np.sqrt(var + eps)
    dxhat = d64 * gamma.reshape(shape)
    dvar = np.sum(dxhat * xmu, axis=axes, keepdims=True) * -1.0 * ivar**3
    dmu = np.sum(-dxhat * ivar, axis=axes, keepdims=True) + dvar * np.mean(-2.0 * xmu, axis=axes, keepdims=True)
    dx = dxhat * ivar + dvar * 2.0 * xmu / m + dmu / m
    dgamma = np.sum(d64 * xmu * ivar, axis=axes)
    dbeta = np.sum(d64, axis=axes)
    return dx.astype(x.dtype), dgamma.astype(x.dtype), dbeta.astype(x.dtype)
