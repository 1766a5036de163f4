# bug: dx misses the term through the row variance
# diagnosis: layer-norm-backward-no-variance-path
import numpy as np


def layernorm_backward(dout, x, normalized_shape, weight, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    m = int(np.prod(ns))
    rows = x.reshape(-1, m).astype(np.float64)
    d = dout.reshape(-1, m).astype(np.float64)
    inv = 1 / np.sqrt(rows.var(axis=1, keepdims=True) + eps)
    xhat = (rows - rows.mean(axis=1, keepdims=True)) * inv
    g = d * weight.reshape(1, m)
    dx = inv * (g - g.mean(axis=1, keepdims=True))
    dw = (d * xhat).sum(axis=0).reshape(ns)
    db = d.sum(axis=0).reshape(ns)
    return dx.reshape(x.shape).astype(x.dtype), dw.astype(x.dtype), db.astype(x.dtype)
