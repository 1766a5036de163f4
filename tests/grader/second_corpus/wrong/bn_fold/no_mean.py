# bug: folded bias = beta + bias * scale (running mean forgotten)
# diagnosis: fold-forgets-running-mean
import numpy as np


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    b = np.zeros(weight.shape[0], dtype=weight.dtype) if bias is None else bias
    w = weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))
    return w.astype(weight.dtype), (beta + b * scale).astype(weight.dtype)
