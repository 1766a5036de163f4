# bug: always multiplies by weight (None crashes)
# diagnosis: crash-when-affine-none
import numpy as np


def rmsnorm_forward(x, normalized_shape, weight, eps=None):
    eps = np.finfo(x.dtype).eps if eps is None else eps
    k = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    x64 = x.astype(np.float64)
    return (x64 / np.sqrt(np.mean(x64 * x64, axis=axes, keepdims=True) + eps) * weight).astype(x.dtype)
