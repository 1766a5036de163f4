import numpy as np


def combine_batch_stats(counts, means, variances):
    n = counts.astype(np.float64)[:, None]
    total = int(counts.sum())
    if total == 0:
        raise ValueError("all shards are empty")
    m64, v64 = means.astype(np.float64), variances.astype(np.float64)
    mean = (n * m64).sum(axis=0) / total
    var = (n * (v64 + (m64 - mean) ** 2)).sum(axis=0) / total
    return total, mean.astype(means.dtype), var.astype(means.dtype)
