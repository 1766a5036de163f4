# bug: np.linalg.norm over the last axis divided by sqrt(d), eps added to the norm
# diagnosis: rms-eps-outside-sqrt
import numpy as np


def rmsnorm_forward(x, normalized_shape, weight, eps=None):
    if eps is None:
        eps = np.finfo(x.dtype).eps
    k = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    d = int(np.prod([x.shape[a] for a in axes]))
    norm = np.sqrt(np.sum(x.astype(np.float64) ** 2, axis=axes, keepdims=True))
    out = x / (norm / np.sqrt(d) + eps)
    if weight is not None:
        out = out * weight
    return out.astype(x.dtype)
