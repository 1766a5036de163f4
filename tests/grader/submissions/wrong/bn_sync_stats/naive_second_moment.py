# bug: the variance as E[x^2] - E[x]^2, which cancels for large means
# diagnosis: precision-lost-large-means
import numpy as np


def combine_batch_stats(counts, means, variances):
    n = counts.astype(np.float64)[:, None]
    total = int(counts.sum())
    if total == 0:
        raise ValueError("no values")
    m = means.astype(np.float64)
    ex = (n * m).sum(axis=0) / total
    ex2 = (n * (variances.astype(np.float64) + m * m)).sum(axis=0) / total
    return total, ex.astype(means.dtype), (ex2 - ex * ex).astype(means.dtype)
