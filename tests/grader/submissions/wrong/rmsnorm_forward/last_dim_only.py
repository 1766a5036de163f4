# bug: the mean of squares runs over the last axis only
# diagnosis: rms-last-dim-only
import numpy as np


def rmsnorm_forward(x, normalized_shape, weight, eps=None):
    if eps is None:
        eps = np.finfo(x.dtype).eps
    x64 = x.astype(np.float64)
    rms = np.sqrt(np.mean(np.square(x64), axis=-1, keepdims=True) + eps)
    out = x64 / rms
    if weight is not None:
        out = out * weight
    return out.astype(x.dtype)
