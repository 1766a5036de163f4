# bug: len(normalized_shape) fails on an int
# diagnosis: crash-when-normalized-shape-int
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    k = len(normalized_shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    x64 = x.astype(np.float64)
    out = (x64 - x64.mean(axis=axes, keepdims=True)) / np.sqrt(x64.var(axis=axes, keepdims=True) + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out.astype(x.dtype)
