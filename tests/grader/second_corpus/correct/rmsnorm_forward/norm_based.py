import numpy as np


def rmsnorm_forward(x, normalized_shape, weight, eps=None):
    dims = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    if eps is None:
        eps = np.finfo(x.dtype).eps
    flat = x.reshape(x.shape[: x.ndim - dims] + (-1,)).astype(np.float64)
    d = flat.shape[-1]
    sq_norm = np.linalg.norm(flat, axis=-1, keepdims=True) ** 2
    y = (flat * (1.0 / np.sqrt(sq_norm / d + eps))).reshape(x.shape)
    return (y if weight is None else y * weight).astype(x.dtype)
