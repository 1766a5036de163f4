# bug: the running mean never enters the folded bias
# diagnosis: fold-forgets-running-mean
import numpy as np


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    inv_std = 1.0 / np.sqrt(running_var + eps)
    scale = gamma * inv_std
    w = np.einsum("o...,o->o...", weight, scale)
    b = (0.0 if bias is None else bias) * scale + beta
    return w.astype(weight.dtype), np.broadcast_to(b, running_mean.shape).astype(weight.dtype)
