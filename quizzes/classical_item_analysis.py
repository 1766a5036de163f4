"""Classical item statistics over a response matrix (Moodle's quiz statistics as the model).

A response matrix has one row per attempt and one column per item: the score earned as a
fraction of the item's mark, in [0, 1], or NaN where the attempt was not given the item
(questions are drawn per candidate). No Django here; docs/bank.md has the formulas.
"""

from dataclasses import dataclass

import numpy as np

# Flags need this many responses; fewer, and the figures are shown but not judged.
MIN_RESPONSES_FLAGGED = 10
FACILITY_LOW = 0.10
FACILITY_HIGH = 0.90
FLAG_NEGATIVE = "negative discrimination"
FLAG_HARD = "facility near 0"
FLAG_EASY = "facility near 1"


@dataclass(frozen=True)
class ItemFigures:
    responses: int
    facility: float | None
    sd: float | None
    discrimination: float | None
    discriminative_efficiency: float | None
    median_seconds: float | None
    mean_seconds: float | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class ReliabilityFigures:
    attempts: int
    items_per_attempt: float
    mean_percent: float | None
    sd_percent: float | None
    alpha: float | None
    error_ratio: float | None
    sem_percent: float | None


def _correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _efficiency(x: np.ndarray, y: np.ndarray) -> float | None:
    """cov(x, y) over the largest covariance the same marginals allow (both sorted)."""
    if len(x) < 3:
        return None
    best = np.cov(np.sort(x), np.sort(y))[0, 1]
    if best <= 0:
        return None
    return float(np.cov(x, y)[0, 1] / best)


def _flags(responses: int, facility: float | None, discrimination: float | None) -> tuple:
    if responses < MIN_RESPONSES_FLAGGED or facility is None:
        return ()
    flags = []
    if discrimination is not None and discrimination < 0:
        flags.append(FLAG_NEGATIVE)
    if facility < FACILITY_LOW:
        flags.append(FLAG_HARD)
    if facility > FACILITY_HIGH:
        flags.append(FLAG_EASY)
    return tuple(flags)


def rest_scores(scores: np.ndarray) -> np.ndarray:
    """For each attempt and item, the attempt's mean score over its other items (NaN when
    the attempt has no other item): the "rest of the test" an item is correlated with."""
    taken = ~np.isnan(scores)
    totals = np.nansum(scores, axis=1, keepdims=True)
    counts = taken.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rest = (totals - np.nan_to_num(scores)) / (counts - taken)
    rest[~np.isfinite(rest)] = np.nan
    return rest


def item_statistics(scores: np.ndarray, seconds: np.ndarray | None = None) -> list[ItemFigures]:
    """Per column: facility, SD, discrimination index (item-rest correlation),
    discriminative efficiency, time spent and flags."""
    scores = np.asarray(scores, dtype=float)
    rest = rest_scores(scores)
    figures = []
    for i in range(scores.shape[1]):
        x_all = scores[:, i]
        answered = ~np.isnan(x_all)
        x = x_all[answered]
        paired = answered & ~np.isnan(rest[:, i])
        facility = float(x.mean()) if len(x) else None
        sd = float(x.std(ddof=1)) if len(x) >= 2 else None
        discrimination = _correlation(x_all[paired], rest[paired, i])
        efficiency = (
            _efficiency(x_all[paired], rest[paired, i]) if discrimination is not None else None
        )
        median_s = mean_s = None
        if seconds is not None:
            t = np.asarray(seconds, dtype=float)[answered, i]
            t = t[~np.isnan(t)]
            if len(t):
                median_s, mean_s = float(np.median(t)), float(t.mean())
        figures.append(
            ItemFigures(
                responses=int(answered.sum()),
                facility=facility,
                sd=sd,
                discrimination=discrimination,
                discriminative_efficiency=efficiency,
                median_seconds=median_s,
                mean_seconds=mean_s,
                flags=_flags(int(answered.sum()), facility, discrimination),
            )
        )
    return figures


def reliability_statistics(scores: np.ndarray) -> ReliabilityFigures:
    """Cronbach's alpha, its error ratio and the standard error of measurement.

    With k items per attempt, alpha = k/(k-1) * (1 - sum of item variances / variance of
    the total). When attempts draw different items, each item's variance is weighted by
    the share of attempts that had it (the expected sum over one attempt's items); with
    one fixed set of items this is exactly Cronbach's alpha."""
    scores = np.asarray(scores, dtype=float)
    scores = scores[~np.isnan(scores).all(axis=1)]
    attempts = scores.shape[0]
    taken = ~np.isnan(scores)
    counts = taken.sum(axis=1)
    k = float(counts.mean()) if attempts else 0.0
    empty = ReliabilityFigures(attempts, k, None, None, None, None, None)
    if attempts < 2 or k <= 1:
        return empty
    totals = np.nansum(scores, axis=1)
    mean_percent = float(100 * np.mean(totals / counts))
    total_var = float(totals.var(ddof=1))
    sd_percent = 100 * np.sqrt(total_var) / k
    item_var = 0.0
    for i in range(scores.shape[1]):
        x = scores[taken[:, i], i]
        if len(x) >= 2:
            item_var += len(x) / attempts * float(x.var(ddof=1))
    if total_var == 0:
        return ReliabilityFigures(attempts, k, mean_percent, float(sd_percent), None, None, None)
    alpha = k / (k - 1) * (1 - item_var / total_var)
    error_ratio = float(np.sqrt(1 - alpha)) if alpha <= 1 else None
    sem = float(sd_percent * error_ratio) if error_ratio is not None else None
    return ReliabilityFigures(attempts, k, mean_percent, float(sd_percent), alpha, error_ratio, sem)


__all__ = [
    "ItemFigures",
    "ReliabilityFigures",
    "item_statistics",
    "rest_scores",
    "reliability_statistics",
]
