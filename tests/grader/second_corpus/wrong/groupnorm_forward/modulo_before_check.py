# bug: `C % num_groups` is evaluated before num_groups is checked: num_groups=0 raises ZeroDivisionError
# diagnosis: wrong-exception-type
import numpy as np


def groupnorm_forward(x, num_groups, weight, bias, eps=1e-5):
    n, c = x.shape[:2]
    if c % num_groups != 0:
        raise ValueError(f"{c} channels cannot be split into {num_groups} groups")
    g = x.astype(np.float64).reshape(n, num_groups, -1)
    g = (g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + eps)
    out = g.reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out.astype(x.dtype)
