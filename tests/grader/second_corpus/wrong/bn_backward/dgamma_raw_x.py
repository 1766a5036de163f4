# bug: dgamma = sum(dout * x) (the raw input, not the normalized one)
# diagnosis: backward-dgamma-from-x
import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    m = x.size // x.shape[1]
    mu = x.mean(axis=axes, keepdims=True)
    std = np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    xh = (x - mu) / std
    dgamma = np.sum(dout * x, axis=axes)
    dbeta = np.sum(dout, axis=axes)
    g = dout * gamma.reshape(shape)
    dx = (m * g - g.sum(axis=axes, keepdims=True) - xh * (g * xh).sum(axis=axes, keepdims=True)) / (m * std)
    return dx.astype(x.dtype), dgamma.astype(x.dtype), dbeta.astype(x.dtype)
