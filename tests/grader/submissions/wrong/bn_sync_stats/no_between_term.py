# bug: the spread between shard means is left out of the variance
# diagnosis: sync-no-between-shard-term
import numpy as np


def combine_batch_stats(counts, means, variances):
    total = int(np.sum(counts))
    if total == 0:
        raise ValueError("no values")
    w = (counts / total)[:, None]
    mean = (w * means.astype(np.float64)).sum(axis=0)
    var = (w * variances.astype(np.float64)).sum(axis=0)
    return total, mean.astype(means.dtype), var.astype(means.dtype)
