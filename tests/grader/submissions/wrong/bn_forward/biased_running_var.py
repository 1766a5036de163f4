# bug: the running variance is updated with the biased batch variance
# diagnosis: biased-running-var
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    c = x.shape[1]
    xt = np.moveaxis(x, 1, -1).reshape(-1, c).astype(np.float64)
    if training:
        if xt.shape[0] == 1:
            raise ValueError("need more than one value per channel")
        mu = xt.mean(0)
        var = ((xt - mu) ** 2).mean(0)
        new_rm = (1 - momentum) * running_mean + momentum * mu
        new_rv = (1 - momentum) * running_var + momentum * var
    else:
        mu, var = running_mean.astype(np.float64), running_var.astype(np.float64)
        new_rm, new_rv = running_mean, running_var
    y = (xt - mu) / np.sqrt(var + eps) * gamma + beta
    out = np.moveaxis(y.reshape(np.moveaxis(x, 1, -1).shape), -1, 1)
    return out.astype(x.dtype), np.asarray(new_rm, x.dtype), np.asarray(new_rv, x.dtype)
