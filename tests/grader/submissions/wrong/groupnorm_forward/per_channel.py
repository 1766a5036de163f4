# bug: normalizes each channel by itself (instance norm)
# diagnosis: group-norm-per-channel
import numpy as np


def groupnorm_forward(x, num_groups, weight, bias, eps=1e-5):
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError("num_groups must divide C")
    axes = tuple(range(2, x.ndim))
    x64 = x.astype(np.float64)
    out = (x64 - x64.mean(axis=axes, keepdims=True)) / np.sqrt(x64.var(axis=axes, keepdims=True) + eps)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out.astype(x.dtype)
