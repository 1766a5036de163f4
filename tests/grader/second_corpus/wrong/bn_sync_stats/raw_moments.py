# bug: combines E[x^2] per shard and subtracts the squared global mean (cancels for large means)
# diagnosis: precision-lost-large-means
import numpy as np


def combine_batch_stats(counts, means, variances):
    total = int(np.sum(counts))
    if total == 0:
        raise ValueError("no samples on any shard")
    w = counts[:, None].astype(np.float64)
    mean = (w * means).sum(0) / total
    ex2 = (w * (variances + means ** 2)).sum(0) / total
    return total, mean.astype(means.dtype), (ex2 - mean ** 2).astype(means.dtype)
