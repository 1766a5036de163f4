# bug: out * weight + bias without looking for None
# diagnosis: crash-when-affine-none
import numpy as np


def groupnorm_forward(x, num_groups, weight, bias, eps=1e-5):
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError("bad num_groups")
    g = x.reshape(n, num_groups, -1)
    out = ((g - g.mean(axis=2, keepdims=True)) / np.sqrt(g.var(axis=2, keepdims=True) + eps)).reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    return (out * weight.reshape(shape) + bias.reshape(shape)).astype(x.dtype)
