# bug: eps=None becomes float32's machine epsilon whatever the input's dtype
# diagnosis: rms-default-eps-float32 | eps-placement
import numpy as np


def rmsnorm_forward(x, normalized_shape, weight, eps=None):
    if eps is None:
        eps = float(np.finfo(np.float32).eps)
    k = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    x64 = x.astype(np.float64)
    out = x64 / np.sqrt(np.mean(x64 * x64, axis=axes, keepdims=True) + eps)
    if weight is not None:
        out = out * weight
    return out.astype(x.dtype)
