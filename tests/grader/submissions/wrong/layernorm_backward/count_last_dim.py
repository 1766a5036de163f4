# bug: the count in dx is the last dimension's size
# diagnosis: layer-norm-backward-count-last-dim
import numpy as np


def layernorm_backward(dout, x, normalized_shape, weight, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    lead = tuple(range(x.ndim - len(ns)))
    n = x.shape[-1]
    x64, d64 = x.astype(np.float64), dout.astype(np.float64)
    inv = 1.0 / np.sqrt(x64.var(axis=axes, keepdims=True) + eps)
    xhat = (x64 - x64.mean(axis=axes, keepdims=True)) * inv
    g = d64 * weight
    dx = inv / n * (n * g - g.sum(axis=axes, keepdims=True) - xhat * (g * xhat).sum(axis=axes, keepdims=True))
    return dx.astype(x.dtype), (d64 * xhat).sum(axis=lead).astype(x.dtype), d64.sum(axis=lead).astype(x.dtype)
