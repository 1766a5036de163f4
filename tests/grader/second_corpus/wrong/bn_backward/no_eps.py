# bug: the standard deviation in the backward pass has no eps
# diagnosis: eps-missing
import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x64, d64 = x.astype(np.float64), dout.astype(np.float64)
    mean = x64.mean(axis=axes, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / np.sqrt(x64.var(axis=axes, keepdims=True))
        xhat = (x64 - mean) * inv
        dxhat = d64 * gamma.reshape(shape)
        dx = inv * (dxhat - dxhat.mean(axis=axes, keepdims=True)
                    - xhat * (dxhat * xhat).mean(axis=axes, keepdims=True))
    return dx.astype(x.dtype), (d64 * xhat).sum(axis=axes).astype(x.dtype), d64.sum(axis=axes).astype(x.dtype)
