# bug: the variance sums the squared deviations instead of averaging them
# diagnosis: layer-norm-sum-not-mean
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    dims = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(-len(dims), 0))
    x64 = x.astype(np.float64)
    centered = x64 - x64.mean(axis=axes, keepdims=True)
    var = (centered**2).sum(axis=axes, keepdims=True)
    out = centered / np.sqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out.astype(x.dtype)
