import numpy as np


def fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var, eps=1e-5):
    w64 = weight.astype(np.float64)
    scale = gamma.astype(np.float64) / np.sqrt(running_var.astype(np.float64) + eps)
    b = np.zeros(w64.shape[0]) if bias is None else bias.astype(np.float64)
    folded_w = np.einsum("o...,o->o...", w64, scale)
    folded_b = beta + (b - running_mean) * scale
    return folded_w.astype(weight.dtype), folded_b.astype(weight.dtype)
