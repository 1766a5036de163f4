# bug: normalizes over the last dimension only
# diagnosis: layer-norm-last-dim-only
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=-1, keepdims=True)
    var = x64.var(axis=-1, keepdims=True)
    out = (x64 - mean) / np.sqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out.astype(x.dtype)
