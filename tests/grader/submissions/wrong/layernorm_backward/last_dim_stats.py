# bug: every statistic and sum runs over the last axis only
# diagnosis: layer-norm-backward-last-dim-stats
import numpy as np


def layernorm_backward(dout, x, normalized_shape, weight, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    lead = tuple(range(x.ndim - len(ns)))
    x64, d64 = x.astype(np.float64), dout.astype(np.float64)
    mu = x64.mean(axis=-1, keepdims=True)
    inv = 1.0 / np.sqrt(x64.var(axis=-1, keepdims=True) + eps)
    xhat = (x64 - mu) * inv
    g = d64 * weight
    dx = inv * (g - g.mean(axis=-1, keepdims=True) - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    return dx.astype(x.dtype), (d64 * xhat).sum(axis=lead).astype(x.dtype), d64.sum(axis=lead).astype(x.dtype)
