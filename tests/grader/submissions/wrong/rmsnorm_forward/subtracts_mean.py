# bug: centers the features first (that is layer norm)
# diagnosis: rms-subtracts-mean
import numpy as np


def rmsnorm_forward(x, normalized_shape, weight, eps=None):
    eps = np.finfo(x.dtype).eps if eps is None else eps
    k = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    xc = x.astype(np.float64)
    xc = xc - xc.mean(axis=axes, keepdims=True)
    out = xc / np.sqrt((xc**2).mean(axis=axes, keepdims=True) + eps)
    return (out if weight is None else out * weight).astype(x.dtype)
