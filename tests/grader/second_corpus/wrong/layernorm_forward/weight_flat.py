# bug: weight and bias flattened and broadcast along the last axis only (breaks for 2-D normalized_shape)
# diagnosis: crash-on-input-kind
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    out = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    if weight is not None:
        out = out * weight.reshape(-1)
    if bias is not None:
        out = out + bias.reshape(-1)
    return out.astype(x.dtype)
