# bug: the combined variance is divided by n - 1
# diagnosis: sync-unbiased-variance
import numpy as np


def combine_batch_stats(counts, means, variances):
    total = int(counts.sum())
    if total == 0:
        raise ValueError("no values")
    n = counts.astype(np.float64)[:, None]
    m64, v64 = means.astype(np.float64), variances.astype(np.float64)
    mean = (n * m64).sum(axis=0) / total
    ss = (n * (v64 + (m64 - mean) ** 2)).sum(axis=0)
    return total, mean.astype(means.dtype), (ss / (total - 1)).astype(means.dtype)
