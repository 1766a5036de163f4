import numpy as np


def combine_batch_stats(counts, means, variances):
    if int(counts.sum()) == 0:
        raise ValueError("no samples")
    n = float(counts[0])
    mean = means[0].astype(np.float64)
    m2 = variances[0].astype(np.float64) * n
    with np.errstate(invalid="ignore", divide="ignore"):
        for k in range(1, len(counts)):
            nb = float(counts[k])
            if nb == 0:
                continue
            delta = means[k] - mean
            tot = n + nb
            mean = mean + delta * nb / tot
            m2 = m2 + variances[k] * nb + delta ** 2 * n * nb / tot
            n = tot
    return int(n), mean.astype(means.dtype), (m2 / n).astype(means.dtype)
