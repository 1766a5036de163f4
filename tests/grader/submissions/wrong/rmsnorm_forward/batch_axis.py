# bug: the mean of squares runs over the batch axis
# diagnosis: rms-batch-axis
import numpy as np


def rmsnorm_forward(x, normalized_shape, weight, eps=None):
    if eps is None:
        eps = np.finfo(x.dtype).eps
    x64 = x.astype(np.float64)
    out = x64 / np.sqrt((x64**2).mean(axis=0, keepdims=True) + eps)
    if weight is not None:
        out = out * weight
    return out.astype(x.dtype)
