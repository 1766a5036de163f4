# bug: test mode normalizes with the test batch's own mean and variance
# diagnosis: eval-uses-batch-stats
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    out = gamma * x_hat + beta
    cache = None
    if mode == "train":
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
        cache = (x_hat, gamma, var, eps)
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out.astype(x.dtype), cache


def batchnorm_backward(dout, cache):
    x_hat, gamma, var, eps = cache
    N = dout.shape[0]
    dxh = dout * gamma
    dx = (1.0 / N) / np.sqrt(var + eps) * (N * dxh - dxh.sum(0) - x_hat * (dxh * x_hat).sum(0))
    return dx.astype(dout.dtype), (dout * x_hat).sum(0).astype(dout.dtype), dout.sum(0).astype(dout.dtype)
