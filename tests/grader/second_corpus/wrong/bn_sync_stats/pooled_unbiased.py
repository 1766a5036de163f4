# bug: the textbook pooled variance with n_k - 1 (treats the shard variances as unbiased)
# diagnosis: sync-pooled-unbiased
import numpy as np


def combine_batch_stats(counts, means, variances):
    total = int(counts.sum())
    if total == 0:
        raise ValueError("no samples")
    n = counts.astype(np.float64)[:, None]
    m64 = means.astype(np.float64)
    mean = (n * m64).sum(0) / total
    within = (np.maximum(n - 1, 0) * variances).sum(0)
    between = (n * (m64 - mean) ** 2).sum(0)
    return total, mean.astype(means.dtype), ((within + between) / (total - 1)).astype(means.dtype)
