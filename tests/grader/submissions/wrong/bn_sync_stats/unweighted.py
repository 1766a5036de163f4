# bug: averages the shards without their counts
# diagnosis: sync-unweighted-average
import numpy as np


def combine_batch_stats(counts, means, variances):
    if counts.sum() == 0:
        raise ValueError("no values")
    return int(counts.sum()), np.mean(means, axis=0), np.mean(variances, axis=0)
