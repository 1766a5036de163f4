# bug: std = sqrt(var) + eps in the forward pass, cached and reused by the backward pass
# diagnosis: eps-outside-sqrt
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    cache = None
    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        std = np.sqrt(var) + eps
        x_hat = (x - mu) / std
        out = gamma * x_hat + beta
        cache = (x_hat, gamma, std)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        out = gamma * (x - running_mean) / (np.sqrt(running_var) + eps) + beta
    bn_param["running_mean"] = running_mean.astype(x.dtype)
    bn_param["running_var"] = running_var.astype(x.dtype)
    return out.astype(x.dtype), cache


def batchnorm_backward(dout, cache):
    x_hat, gamma, std = cache
    N = dout.shape[0]
    dxh = dout * gamma
    dx = (N * dxh - dxh.sum(0) - x_hat * (dxh * x_hat).sum(0)) / (N * std)
    return dx.astype(dout.dtype), (dout * x_hat).sum(0).astype(dout.dtype), dout.sum(0).astype(dout.dtype)
