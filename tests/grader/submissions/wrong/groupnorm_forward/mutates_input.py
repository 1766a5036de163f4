# bug: centers x in place
# diagnosis: inputs-modified
import numpy as np


def groupnorm_forward(x, num_groups, weight, bias, eps=1e-5):
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError("num_groups must divide C")
    g = x.reshape(n, num_groups, -1)
    mean = g.mean(axis=2, keepdims=True, dtype=np.float64)
    var = g.var(axis=2, keepdims=True, dtype=np.float64)
    g -= mean.astype(x.dtype)
    out = (g / np.sqrt(var + eps)).reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out.astype(x.dtype)
