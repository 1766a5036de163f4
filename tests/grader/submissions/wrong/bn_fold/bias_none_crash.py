# bug: assumes the layer has a bias
# diagnosis: crash-when-affine-none
import numpy as np


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    w = weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))
    b = (bias.astype(np.float64) - running_mean) * scale + beta
    return w.astype(weight.dtype), b.astype(weight.dtype)
