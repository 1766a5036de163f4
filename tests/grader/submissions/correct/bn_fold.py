import numpy as np


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    if bias is None:
        bias = np.zeros_like(running_mean)
    folded_weight = weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))
    folded_bias = (bias - running_mean) * scale + beta
    return folded_weight.astype(weight.dtype), folded_bias.astype(weight.dtype)
