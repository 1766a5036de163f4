# Normalizes with the unbiased variance: wrong by a factor n / (n - 1) inside the root.
import torch


def batchnorm_forward_cuda(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    dims = [0] + list(range(2, x.dim()))
    n = x.numel() // x.shape[1]
    if n == 1:
        raise ValueError("need more than one value per channel")
    var, mean = torch.var_mean(x, dim=dims, unbiased=True)
    shape = [1, -1] + [1] * (x.dim() - 2)
    out = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + eps) * gamma.view(
        shape
    ) + beta.view(shape)
    return (
        out,
        (1 - momentum) * running_mean + momentum * mean,
        (1 - momentum) * running_var + momentum * var,
    )
