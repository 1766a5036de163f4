# bug: mean of squares over axis -1 only
# diagnosis: rms-last-dim-only
import numpy as np


def rmsnorm_forward(x, normalized_shape, weight, eps=None):
    if eps is None:
        eps = np.finfo(x.dtype).eps
    x64 = x.astype(np.float64)
    out = x64 / np.sqrt(np.mean(x64 ** 2, axis=-1, keepdims=True) + eps)
    if weight is not None:
        out = out * weight
    return out.astype(x.dtype)
