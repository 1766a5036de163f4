# bug: dx is computed from dout instead of dout * gamma
# diagnosis: backward-no-gamma
import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    c = x.shape[1]
    xt = np.moveaxis(x, 1, -1).reshape(-1, c).astype(np.float64)
    dt = np.moveaxis(dout, 1, -1).reshape(-1, c).astype(np.float64)
    m = xt.shape[0]
    inv = 1.0 / np.sqrt(xt.var(0) + eps)
    xhat = (xt - xt.mean(0)) * inv
    dx = inv / m * (m * dt - dt.sum(0) - xhat * (dt * xhat).sum(0))
    dx = np.moveaxis(dx.reshape(np.moveaxis(x, 1, -1).shape), -1, 1)
    return dx.astype(x.dtype), (dt * xhat).sum(0).astype(x.dtype), dt.sum(0).astype(x.dtype)
