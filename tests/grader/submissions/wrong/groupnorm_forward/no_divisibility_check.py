# bug: never checks that num_groups divides C; the reshape runs when C * prod(S) divides
# diagnosis: group-norm-no-divisibility-check
import numpy as np


def groupnorm_forward(x, num_groups, weight, bias, eps=1e-5):
    n, c = x.shape[:2]
    g = x.astype(np.float64).reshape(n, num_groups, -1)
    g = (g - g.mean(axis=2, keepdims=True)) / np.sqrt(g.var(axis=2, keepdims=True) + eps)
    out = g.reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out.astype(x.dtype)
