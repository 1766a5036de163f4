# bug: normalizes with the unbiased variance
# diagnosis: layer-norm-unbiased-variance
import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    lead = x.shape[: x.ndim - len(ns)]
    rows = x.reshape(-1, int(np.prod(ns))).astype(np.float64)
    std = np.sqrt(rows.var(axis=1, ddof=1, keepdims=True) + eps)
    out = ((rows - rows.mean(axis=1, keepdims=True)) / std).reshape(lead + tuple(ns))
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out.astype(x.dtype)
