# bug: dweight and dbias summed over axis 0 only (3-D activations keep a sequence axis)
# diagnosis: layer-norm-backward-param-sums-axis-0
import numpy as np


def layernorm_backward(dout, x, normalized_shape, weight, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    rstd = 1.0 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    xhat = (x - mean) * rstd
    g = dout * weight
    dx = rstd * (g - g.mean(axis=axes, keepdims=True) - xhat * (g * xhat).mean(axis=axes, keepdims=True))
    return dx.astype(x.dtype), (dout * xhat).sum(axis=0).astype(x.dtype), dout.sum(axis=0).astype(x.dtype)
