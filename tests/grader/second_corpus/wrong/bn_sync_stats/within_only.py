# bug: the variance is the count-weighted average of the shard variances (no between-shard spread)
# diagnosis: sync-no-between-shard-term
import numpy as np


def combine_batch_stats(counts, means, variances):
    total = int(counts.sum())
    if total == 0:
        raise ValueError("no samples")
    w = counts / total
    mean = np.einsum("k,kc->c", w, means.astype(np.float64))
    var = np.einsum("k,kc->c", w, variances.astype(np.float64))
    return total, mean.astype(means.dtype), var.astype(means.dtype)
