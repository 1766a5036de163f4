import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    """A channel-by-channel loop, the way many people write it first."""
    out = np.empty_like(x)
    new_mean = np.array(running_mean, copy=True)
    new_var = np.array(running_var, copy=True)
    for c in range(x.shape[1]):
        values = x[:, c].astype(np.float64).ravel()
        if training:
            if values.size == 1:
                raise ValueError("need more than one value per channel")
            m = values.mean()
            v = values.var()
            new_mean[c] = (1 - momentum) * running_mean[c] + momentum * m
            new_var[c] = (1 - momentum) * running_var[c] + momentum * values.var(ddof=1)
        else:
            m, v = float(running_mean[c]), float(running_var[c])
        out[:, c] = (x[:, c] - m) / np.sqrt(v + eps) * gamma[c] + beta[c]
    return out, new_mean, new_var
