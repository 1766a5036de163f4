# bug: divides by the root of the sum of squares
# diagnosis: rms-sum-not-mean
import numpy as np


def rmsnorm_forward(x, normalized_shape, weight, eps=None):
    eps = np.finfo(x.dtype).eps if eps is None else eps
    k = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    x64 = x.astype(np.float64)
    out = x64 / np.sqrt(np.sum(x64 * x64, axis=axes, keepdims=True) + eps)
    return (out if weight is None else out * weight).astype(x.dtype)
