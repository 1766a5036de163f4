import numpy as np


def groupnorm_forward(x, num_groups, weight, bias, eps=1e-5):
    if not isinstance(num_groups, int) or num_groups < 1:
        raise ValueError("num_groups must be a positive integer")
    n, c = x.shape[:2]
    if c % num_groups != 0:
        raise ValueError(f"num_groups={num_groups} must divide C={c}")
    per = c // num_groups
    out = np.empty(x.shape, dtype=np.float64)
    for s in range(n):
        for g in range(num_groups):
            block = x[s, g * per:(g + 1) * per].astype(np.float64)
            out[s, g * per:(g + 1) * per] = (block - block.mean()) / np.sqrt(block.var() + eps)
    expand = (slice(None),) + (None,) * (x.ndim - 2)
    if weight is not None:
        out *= weight[expand]
    if bias is not None:
        out += bias[expand]
    return out.astype(x.dtype)
