# bug: x / (rms + eps)
# diagnosis: rms-eps-outside-sqrt
import numpy as np


def rmsnorm_forward(x, normalized_shape, weight, eps=None):
    if eps is None:
        eps = np.finfo(x.dtype).eps
    k = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    axes = tuple(range(-k, 0))
    rms = np.sqrt(np.mean(np.square(x.astype(np.float64)), axis=axes, keepdims=True))
    out = x / (rms + eps)
    if weight is not None:
        out = out * weight
    return out.astype(x.dtype)
