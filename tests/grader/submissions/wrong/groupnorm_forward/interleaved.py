# bug: channel k goes to group k % G
# diagnosis: interleaved-groups
import numpy as np


def groupnorm_forward(x, num_groups, weight, bias, eps=1e-5):
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError("num_groups must divide C")
    out = np.empty(x.shape, dtype=np.float64)
    for g in range(num_groups):
        idx = np.arange(g, c, num_groups)
        part = x[:, idx].astype(np.float64)
        axes = tuple(range(1, x.ndim))
        out[:, idx] = (part - part.mean(axis=axes, keepdims=True)) / np.sqrt(part.var(axis=axes, keepdims=True) + eps)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out.astype(x.dtype)
