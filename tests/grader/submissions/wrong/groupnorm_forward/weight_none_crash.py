# bug: assumes weight and bias are arrays
# diagnosis: crash-when-affine-none
import numpy as np


def groupnorm_forward(x, num_groups, weight, bias, eps=1e-5):
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError("num_groups must divide C")
    g = x.astype(np.float64).reshape(n, num_groups, -1)
    g = (g - g.mean(axis=2, keepdims=True)) / np.sqrt(g.var(axis=2, keepdims=True) + eps)
    shape = (1, c) + (1,) * (x.ndim - 2)
    return (g.reshape(x.shape) * weight.reshape(shape) + bias.reshape(shape)).astype(x.dtype)
