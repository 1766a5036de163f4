# bug: eps hard-coded as 1e-6 inside the function (the default of some other library)
# diagnosis: eps-hard-coded-1e-6 | eps-argument-ignored
import numpy as np

EPS = 1e-6


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    out = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + EPS)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out.astype(x.dtype)
