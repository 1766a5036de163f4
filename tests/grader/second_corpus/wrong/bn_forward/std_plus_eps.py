# bug: divides by np.std(x) + eps (eps on the standard deviation)
# diagnosis: eps-outside-sqrt
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    axes = tuple(i for i in range(x.ndim) if i != 1)
    shape = [1] * x.ndim
    shape[1] = -1
    if training:
        m = x.size // x.shape[1]
        if m < 2:
            raise ValueError("Expected more than 1 value per channel when training")
        mean = np.mean(x, axis=axes)
        std = np.std(x, axis=axes)
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * std**2 * m / (m - 1)
    else:
        mean, std = running_mean, np.sqrt(running_var)
    y = (x - mean.reshape(shape)) / (std.reshape(shape) + eps)
    y = y * gamma.reshape(shape) + beta.reshape(shape)
    return y.astype(x.dtype), running_mean.astype(x.dtype), running_var.astype(x.dtype)
