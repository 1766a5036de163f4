# bug: all counts 0 gives NaN instead of ValueError
# diagnosis: missing-value-error
import numpy as np


def combine_batch_stats(counts, means, variances):
    total = int(counts.sum())
    n = counts.astype(np.float64)[:, None]
    m64, v64 = means.astype(np.float64), variances.astype(np.float64)
    with np.errstate(all="ignore"):
        mean = (n * m64).sum(axis=0) / total
        var = (n * (v64 + (m64 - mean) ** 2)).sum(axis=0) / total
    return total, mean.astype(means.dtype), var.astype(means.dtype)
