# bug: divides by sqrt(mean(x^2)) + eps
# diagnosis: rms-eps-outside-sqrt
import numpy as np


def rmsnorm_forward(x, normalized_shape, weight, eps=None):
    if eps is None:
        eps = np.finfo(x.dtype).eps
    k = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    x64 = x.astype(np.float64)
    out = x64 / (np.sqrt(np.mean(x64 * x64, axis=axes, keepdims=True)) + eps)
    return (out if weight is None else out * weight).astype(x.dtype)
