import numpy as np


def layernorm_backward(dout, x, normalized_shape, weight, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    m = int(np.prod(ns))
    xr = x.reshape(-1, m).astype(np.float64)
    dr = dout.reshape(-1, m).astype(np.float64)
    inv = 1.0 / np.sqrt(xr.var(axis=1, keepdims=True) + eps)
    xhat = (xr - xr.mean(axis=1, keepdims=True)) * inv
    g = dr * weight.reshape(1, m)
    dx = inv / m * (m * g - g.sum(axis=1, keepdims=True) - xhat * (g * xhat).sum(axis=1, keepdims=True))
    dw = (dr * xhat).sum(axis=0).reshape(ns)
    db = dr.sum(axis=0).reshape(ns)
    return dx.reshape(x.shape).astype(x.dtype), dw.astype(x.dtype), db.astype(x.dtype)
