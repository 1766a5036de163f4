# bug: weights relative to the first shard's count (0/0 when it is empty)
# diagnosis: sync-empty-first-shard
import numpy as np


def combine_batch_stats(counts, means, variances):
    total = int(counts.sum())
    if total == 0:
        raise ValueError("no values")
    with np.errstate(all="ignore"):
        rel = counts.astype(np.float64) / counts[0]
        w = (rel / rel.sum())[:, None]
    m64, v64 = means.astype(np.float64), variances.astype(np.float64)
    mean = (w * m64).sum(axis=0)
    var = (w * (v64 + (m64 - mean) ** 2)).sum(axis=0)
    return total, mean.astype(means.dtype), var.astype(means.dtype)
