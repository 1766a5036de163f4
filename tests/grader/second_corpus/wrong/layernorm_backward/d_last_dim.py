# bug: D = x.shape[-1] in the dx formula (right only when normalized_shape has one dim)
# diagnosis: layer-norm-backward-count-last-dim
import numpy as np


def layernorm_backward(dout, x, normalized_shape, weight, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    lead = tuple(range(x.ndim - len(ns)))
    D = x.shape[-1]
    mean = x.mean(axis=axes, keepdims=True)
    rstd = 1.0 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    xhat = (x - mean) * rstd
    g = dout * weight
    dx = rstd / D * (D * g - g.sum(axis=axes, keepdims=True) - xhat * (g * xhat).sum(axis=axes, keepdims=True))
    return dx.astype(x.dtype), (dout * xhat).sum(axis=lead).astype(x.dtype), dout.sum(axis=lead).astype(x.dtype)
