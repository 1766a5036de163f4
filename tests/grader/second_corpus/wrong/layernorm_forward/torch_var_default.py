# bug: a port of torch code that called x.var(dim) (unbiased by default) to np.var(..., ddof=1)
# diagnosis: layer-norm-unbiased-variance
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    mean = np.mean(x, axis=axes, keepdims=True)
    var = np.var(x, axis=axes, keepdims=True, ddof=1)
    out = (x - mean) / np.sqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out.astype(x.dtype)
