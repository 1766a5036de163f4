import numpy as np


def combine_batch_stats(counts, means, variances):
    counts = np.asarray(counts)
    total = int(counts.sum())
    if total == 0:
        raise ValueError("every shard is empty")
    n = counts.astype(np.float64).reshape(-1, 1)
    mean = np.sum(n * means, axis=0, dtype=np.float64) / total
    # deviations from the global mean, so large means do not cancel
    ssd = np.sum(n * variances + n * (means - mean) ** 2, axis=0, dtype=np.float64)
    return np.int64(total), mean.astype(means.dtype), (ssd / total).astype(means.dtype)
