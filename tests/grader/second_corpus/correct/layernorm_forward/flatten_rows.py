import math

import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    d = math.prod(shape)
    rows = x.reshape(-1, d).astype(np.float64)
    mu = rows.sum(axis=1, keepdims=True) / d
    centered = rows - mu
    var = np.einsum("ij,ij->i", centered, centered)[:, None] / d
    y = (centered / np.sqrt(var + eps)).reshape(x.shape)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y.astype(x.dtype)
