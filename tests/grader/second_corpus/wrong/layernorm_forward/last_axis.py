# bug: axis=-1 as in the transformer tutorials, whatever normalized_shape says
# diagnosis: layer-norm-last-dim-only
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y.astype(x.dtype)
