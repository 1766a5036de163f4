# bug: the forward's std + eps carried into the backward: 1 / (sqrt(var) + eps)
# diagnosis: eps-outside-sqrt


def layernorm_backward(dout, x, normalized_shape, weight, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    lead = tuple(range(x.ndim - len(ns)))
    mean = x.mean(axis=axes, keepdims=True)
    rstd = 1.0 / (x.std(axis=axes, keepdims=True) + eps)
    xhat = (x - mean) * rstd
    g = dout * weight
    dx = rstd * (g - g.mean(axis=axes, keepdims=True) - xhat * (g * xhat).mean(axis=axes, keepdims=True))
    return dx.astype(x.dtype), (dout * xhat).sum(axis=lead).astype(x.dtype), dout.sum(axis=lead).astype(x.dtype)
