# bug: the layer's own bias is dropped from the folded bias
# diagnosis: fold-forgets-bias
import numpy as np


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    w = weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))
    b = beta - running_mean * scale
    return w.astype(weight.dtype), b.astype(weight.dtype)
