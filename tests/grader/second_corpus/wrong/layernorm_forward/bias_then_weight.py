# bug: the shift is added before the scale: (x_hat + bias) * weight
# diagnosis: shift-before-scale
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    xh = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    if bias is not None:
        xh = xh + bias
    if weight is not None:
        xh = xh * weight
    return xh.astype(x.dtype)
