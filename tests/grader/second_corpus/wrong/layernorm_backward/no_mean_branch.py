# bug: dx keeps only the variance branch: the mean of g is never subtracted
# diagnosis: layer-norm-backward-no-mean-path
import numpy as np


def layernorm_backward(dout, x, normalized_shape, weight, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    lead = tuple(range(x.ndim - len(ns)))
    mean = x.mean(axis=axes, keepdims=True)
    rstd = 1.0 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    xhat = (x - mean) * rstd
    g = dout * weight
    dx = rstd * (g - xhat * (g * xhat).mean(axis=axes, keepdims=True))
    return dx.astype(x.dtype), (dout * xhat).sum(axis=lead).astype(x.dtype), dout.sum(axis=lead).astype(x.dtype)
