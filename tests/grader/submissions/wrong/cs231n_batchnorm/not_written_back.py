# bug: the updated running statistics are never stored in bn_param
# diagnosis: cs231n-running-stats-not-written-back
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
        var = x.var(axis=0)
        xhat = (x - mu) / np.sqrt(var + eps)
        out = gamma * xhat + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
        return out.astype(x.dtype), (xhat, gamma, var, eps)
    out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    return out.astype(x.dtype), None


def batchnorm_backward(dout, cache):
    xhat, gamma, var, eps = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    dx = (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (n * np.sqrt(var + eps))
    return dx.astype(dout.dtype), (dout * xhat).sum(axis=0).astype(dout.dtype), dout.sum(axis=0).astype(dout.dtype)
