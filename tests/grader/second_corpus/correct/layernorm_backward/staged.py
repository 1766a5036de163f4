import numpy as np


def layernorm_backward(dout, x, normalized_shape, weight, eps=1e-5):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axes = tuple(range(-len(ns), 0))
    lead = tuple(range(x.ndim - len(ns)))
    d = int(np.prod(ns))
    x64, g64 = x.astype(np.float64), dout.astype(np.float64)
    mu = x64.mean(axis=axes, keepdims=True)
    xmu = x64 - mu
    var = (xmu**2).mean(axis=axes, keepdims=True)
    ivar = 1.0 / np.sqrt(var + eps)
    xhat = xmu * ivar
    dxhat = g64 * weight
    dvar = (dxhat * xmu).sum(axis=axes, keepdims=True) * -0.5 * ivar**3
    dmu = -(dxhat * ivar).sum(axis=axes, keepdims=True) + dvar * (-2.0 * xmu).mean(axis=axes, keepdims=True)
    dx = dxhat * ivar + dvar * 2.0 * xmu / d + dmu / d
    dweight = (g64 * xhat).sum(axis=lead)
    dbias = g64.sum(axis=lead)
    return dx.astype(x.dtype), dweight.astype(x.dtype), dbias.astype(x.dtype)
