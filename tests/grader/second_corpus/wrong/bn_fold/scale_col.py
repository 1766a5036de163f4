# bug: weight * scale[:, None], written for nn.Linear only
# diagnosis: fold-linear-only-broadcast
import numpy as np


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    std = np.sqrt(running_var + eps)
    scale = gamma / std
    if bias is None:
        bias = np.zeros_like(running_mean)
    return (weight * scale[:, None]).astype(weight.dtype), (beta + (bias - running_mean) * scale).astype(weight.dtype)
