# bug: averages the shards without their counts
# diagnosis: sync-unweighted-average
import numpy as np


def combine_batch_stats(counts, means, variances):
    if counts.sum() == 0:
        raise ValueError("no values")
    return int(counts.sum()), means.mean(axis=0), variances.mean(axis=0)
