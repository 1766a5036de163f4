import numpy as np


def combine_batch_stats(counts, means, variances):
    n = 0
    mean = np.zeros(means.shape[1])
    m2 = np.zeros(means.shape[1])
    for k in range(len(counts)):
        nk = int(counts[k])
        if nk == 0:
            continue
        mk = means[k].astype(np.float64)
        delta = mk - mean
        total = n + nk
        mean = mean + delta * nk / total
        m2 = m2 + variances[k].astype(np.float64) * nk + delta**2 * n * nk / total
        n = total
    if n == 0:
        raise ValueError("every shard is empty")
    return n, mean.astype(means.dtype), (m2 / n).astype(means.dtype)
