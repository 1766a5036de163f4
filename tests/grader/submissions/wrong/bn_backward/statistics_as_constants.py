# bug: treats the batch mean and variance as constants
# diagnosis: no-mean-term
import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    red = tuple(a for a in range(x.ndim) if a != 1)
    b = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    xf = x.astype(np.float64)
    std = np.sqrt(xf.var(red, keepdims=True) + eps)
    xhat = (xf - xf.mean(red, keepdims=True)) / std
    dx = dout * gamma.reshape(b) / std
    dgamma = np.einsum("...,...->...", dout, xhat).sum(red)
    return dx.astype(x.dtype), dgamma.astype(x.dtype), dout.sum(red).astype(x.dtype)
