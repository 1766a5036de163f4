import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    d = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(d, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(d, dtype=x.dtype))
    if mode == "train":
        mu = x.mean(axis=0)
        xmu = x - mu
        var = (xmu**2).mean(axis=0)
        ivar = 1.0 / np.sqrt(var + eps)
        out = gamma * xmu * ivar + beta
        bn_param["running_mean"] = (momentum * running_mean + (1 - momentum) * mu).astype(x.dtype)
        bn_param["running_var"] = (momentum * running_var + (1 - momentum) * var).astype(x.dtype)
        return out.astype(x.dtype), (xmu, ivar, gamma)
    out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    return out.astype(x.dtype), None


def batchnorm_backward(dout, cache):
    xmu, ivar, gamma = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    dvar = np.sum(dxhat * xmu, axis=0) * -0.5 * ivar**3
    dmu = np.sum(-dxhat * ivar, axis=0) + dvar * np.mean(-2.0 * xmu, axis=0)
    dx = dxhat * ivar + dvar * 2.0 * xmu / n + dmu / n
    return dx.astype(dout.dtype), np.sum(dout * xmu * ivar, axis=0).astype(dout.dtype), dout.sum(axis=0).astype(dout.dtype)
