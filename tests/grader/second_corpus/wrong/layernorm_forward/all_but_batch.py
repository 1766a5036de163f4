# bug: normalizes over every axis but the batch, ignoring normalized_shape
# diagnosis: layer-norm-all-but-batch
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    axes = tuple(range(1, x.ndim))
    x64 = x.astype(np.float64)
    mu = x64.mean(axis=axes, keepdims=True)
    sigma2 = x64.var(axis=axes, keepdims=True)
    out = (x64 - mu) / np.sqrt(sigma2 + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out.astype(x.dtype)
