# bug: the 2-D recipe (sums over axis 0) applied to every input
# diagnosis: grad-sums-wrong-axes
import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    N = x.shape[0]
    g = gamma.reshape((1, -1) + (1,) * (x.ndim - 2))
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + eps)
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * g
    dx = (N * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (N * np.sqrt(var + eps))
    return dx.astype(x.dtype), dgamma.astype(x.dtype), dbeta.astype(x.dtype)
