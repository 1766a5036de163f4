"""Simulated candidates under a two-parameter logistic (2PL) model, and the population
figures that model implies, computed by Gauss-Hermite quadrature (no sampling), so tests can
check that the item statistics recover known truths."""

import numpy as np
from numpy.polynomial.hermite_e import hermegauss


def prob_correct(theta: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """P(correct) for abilities `theta` (n,) on items with discrimination `a` and
    difficulty `b` (k,): shape (n, k)."""
    return 1.0 / (1.0 + np.exp(-a[None, :] * (theta[:, None] - b[None, :])))


def simulate(n: int, a, b, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(scores (n, k) of 0/1, abilities (n,)) with abilities drawn from N(0, 1)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    theta = rng.standard_normal(n)
    return (rng.random((n, len(a))) < prob_correct(theta, a, b)).astype(float), theta


def population_moments(a, b, nodes: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """(facility per item, covariance matrix of the item scores) for abilities ~ N(0, 1);
    items are independent given ability, so cov(i, j) = E[P_i P_j] - F_i F_j off the
    diagonal and F_i (1 - F_i) on it."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    x, w = hermegauss(nodes)
    w = w / w.sum()
    p = prob_correct(x, a, b)  # (nodes, k)
    facility = w @ p
    cov = (p * w[:, None]).T @ p - np.outer(facility, facility)
    np.fill_diagonal(cov, facility * (1 - facility))
    return facility, cov


def population_item_rest_correlation(cov: np.ndarray) -> np.ndarray:
    """Each item's correlation with the sum of the other items, from the covariance."""
    k = cov.shape[0]
    out = np.empty(k)
    for i in range(k):
        rest = [j for j in range(k) if j != i]
        cov_ir = cov[i, rest].sum()
        var_r = cov[np.ix_(rest, rest)].sum()
        out[i] = cov_ir / np.sqrt(cov[i, i] * var_r)
    return out


def population_alpha(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def population_reliability(a, b, nodes: int = 80) -> float:
    """Var(true score) / Var(observed score) of the sum score: what alpha bounds below."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    x, w = hermegauss(nodes)
    w = w / w.sum()
    true_score = prob_correct(x, a, b).sum(axis=1)
    var_true = w @ true_score**2 - (w @ true_score) ** 2
    _, cov = population_moments(a, b, nodes)
    return float(var_true / cov.sum())


def rank_correlation(x, y) -> float:
    """Spearman's rank correlation (no ties expected)."""
    rx = np.argsort(np.argsort(x))
    ry = np.argsort(np.argsort(y))
    return float(np.corrcoef(rx, ry)[0, 1])
