# bug: eps=None taken as 1e-6, the value in LLaMA's config
# diagnosis: rms-default-eps-1e-6
import numpy as np


def rmsnorm_forward(x, normalized_shape, weight, eps=None):
    if eps is None:
        eps = 1e-6
    k = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    out = x / np.sqrt(np.mean(x.astype(np.float64) ** 2, axis=axes, keepdims=True) + eps)
    if weight is not None:
        out = out * weight
    return out.astype(x.dtype)
