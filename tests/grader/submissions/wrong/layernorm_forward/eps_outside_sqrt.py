# bug: divides by sqrt(var) + eps
# diagnosis: layer-norm-eps-outside-sqrt
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    x64 = x.astype(np.float64)
    out = (x64 - x64.mean(axis=axes, keepdims=True)) / (x64.std(axis=axes, keepdims=True) + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out.astype(x.dtype)
