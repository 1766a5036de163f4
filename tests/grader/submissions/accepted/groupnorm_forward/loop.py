import numpy as np


def groupnorm_forward(x, num_groups, weight, bias, eps=1e-5):
    n, c = x.shape[:2]
    if num_groups < 1 or c % num_groups != 0:
        raise ValueError("num_groups must be a positive divisor of C")
    per = c // num_groups
    out = np.empty(x.shape, dtype=np.float64)
    for i in range(n):
        for g in range(num_groups):
            block = x[i, g * per : (g + 1) * per].astype(np.float64)
            out[i, g * per : (g + 1) * per] = (block - block.mean()) / np.sqrt(block.var() + eps)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        out *= weight.reshape(shape)
    if bias is not None:
        out += bias.reshape(shape)
    return out.astype(x.dtype)
