# bug: assumes weight and bias are arrays
# diagnosis: crash-when-affine-none
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    x64 = x.astype(np.float64)
    xhat = (x64 - x64.mean(axis=axes, keepdims=True)) / np.sqrt(x64.var(axis=axes, keepdims=True) + eps)
    return (xhat * weight.astype(np.float64) + bias.astype(np.float64)).astype(x.dtype)
