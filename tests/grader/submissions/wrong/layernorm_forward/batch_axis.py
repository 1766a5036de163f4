# bug: statistics over the batch axis, like batch norm
# diagnosis: layer-norm-batch-axis
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    x64 = x.astype(np.float64)
    mu = np.mean(x64, axis=0, keepdims=True)
    sigma2 = np.mean((x64 - mu) ** 2, axis=0, keepdims=True)
    y = (x64 - mu) / np.sqrt(sigma2 + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y.astype(x.dtype)
