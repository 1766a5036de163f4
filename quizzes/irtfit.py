"""Calibration of the bank's 2PL item parameters (quizzes/irt.py has the model): marginal
maximum a posteriori by EM over a quadrature of the ability scale, with the level priors
of `irt.Priors`; NumPy only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .irt import CALIBRATION_NODES, LEVELS, Priors, probability

__all__ = ["Calibration", "calibrate"]


@dataclass(frozen=True, eq=False)
class Calibration:
    """Fitted item parameters (posterior modes) with approximate standard errors.

    The SEs come from each item's expected information at the fit, given the candidates'
    posteriors, plus the prior; they ignore the uncertainty in those posteriors, so they
    are somewhat optimistic, and serve to tell a well-measured item from a guess.
    """

    discrimination: np.ndarray
    difficulty: np.ndarray
    discrimination_se: np.ndarray
    difficulty_se: np.ndarray
    responses: np.ndarray  # how many candidates took each item
    candidates: int
    iterations: int
    converged: bool
    log_posterior: float


def calibrate(
    scores,
    levels: Sequence[str],
    priors: Priors | None = None,
    *,
    fixed_discrimination: float | None = None,
    max_iterations: int = 500,
    tolerance: float = 1e-4,
) -> Calibration:
    """Fit the 2PL (or, with `fixed_discrimination`, the Rasch-type model) by marginal
    maximum a posteriori: EM over a quadrature of the N(0, 1) ability distribution
    (Bock & Aitkin), with Fisher-scoring M-steps on (log a, b) under `priors`.

    `scores` is (candidates, items) in [0, 1] with NaN for an item a candidate did not
    take (adaptive and short fixed tests leave most cells empty); `levels[j]` is item j's
    bank level. With no candidates the result is the priors themselves.
    """
    priors = priors or Priors()
    scores = np.atleast_2d(np.asarray(scores, float))
    n_items = len(levels)
    if scores.size == 0:
        scores = np.empty((0, n_items))
    if scores.shape[1] != n_items:
        raise ValueError(f"scores has {scores.shape[1]} items, levels has {n_items}")
    if np.any((scores < 0) | (scores > 1)):
        raise ValueError("scores must lie in [0, 1]")
    try:
        mu_b = np.array([priors.difficulty_mean[lv] for lv in levels], float)
    except KeyError as exc:
        raise ValueError(f"unknown level {exc.args[0]!r}; expected one of {LEVELS}") from None
    var_b = priors.difficulty_sd**2
    mu_alpha = (
        np.log(fixed_discrimination) if fixed_discrimination else priors.log_discrimination_mean
    )
    var_alpha = priors.log_discrimination_sd**2

    taken = ~np.isnan(scores)
    s = np.where(taken, scores, 0.0)
    t = taken.astype(float)
    nodes = CALIBRATION_NODES
    log_w = -0.5 * nodes**2
    log_w -= np.log(np.exp(log_w).sum())

    alpha = np.full(n_items, mu_alpha)
    b = mu_b.copy()
    converged = False
    iterations = 0
    log_post = 0.0
    while iterations < max_iterations:
        iterations += 1
        # E-step: each candidate's posterior over the nodes, then expected counts per node.
        p = probability(nodes[:, None], np.exp(alpha), b)  # (Q, J)
        log_lik = s @ np.log(p).T + (t - s) @ np.log1p(-p).T  # (N, Q)
        joint = log_lik + log_w
        top = joint.max(axis=1, keepdims=True)
        marginal = top[:, 0] + np.log(np.exp(joint - top).sum(axis=1))
        post = np.exp(joint - marginal[:, None])
        earned = post.T @ s  # (Q, J): expected score mass at each node
        seen = post.T @ t  # (Q, J): expected number of takers at each node
        log_post = float(
            marginal.sum()
            - 0.5 * ((b - mu_b) ** 2).sum() / var_b
            - (0.5 * ((alpha - mu_alpha) ** 2).sum() / var_alpha if not fixed_discrimination else 0)
        )

        old_alpha, old_b = alpha.copy(), b.copy()
        for _ in range(5):
            alpha, b, info = _m_step(
                alpha, b, earned, seen, nodes, mu_b, var_b, mu_alpha, var_alpha,
                fixed_discrimination is not None,
            )  # fmt: skip
        change = max(np.abs(alpha - old_alpha).max(initial=0), np.abs(b - old_b).max(initial=0))
        if change < tolerance:
            converged = True
            break

    _, _, info = _m_step(
        alpha, b, earned, seen, nodes, mu_b, var_b, mu_alpha, var_alpha,
        fixed_discrimination is not None, step=False,
    )  # fmt: skip
    a = np.exp(alpha)
    if fixed_discrimination:
        se_b = 1.0 / np.sqrt(info[1, 1])
        se_a = np.zeros(n_items)
    else:
        det = info[0, 0] * info[1, 1] - info[0, 1] ** 2
        se_alpha = np.sqrt(info[1, 1] / det)
        se_b = np.sqrt(info[0, 0] / det)
        se_a = a * se_alpha  # delta method from log a to a
    return Calibration(
        discrimination=a,
        difficulty=b,
        discrimination_se=se_a,
        difficulty_se=se_b,
        responses=taken.sum(axis=0),
        candidates=int(scores.shape[0]),
        iterations=iterations,
        converged=converged or scores.shape[0] == 0,
        log_posterior=log_post,
    )


def _m_step(alpha, b, earned, seen, nodes, mu_b, var_b, mu_alpha, var_alpha, fixed, step=True):
    """One Fisher-scoring step for every item at once; returns (alpha, b, information).

    Per item, the expected complete-data log posterior is
    sum_q earned_q log P_q + (seen_q - earned_q) log(1 - P_q) + log priors, with
    z = a (theta_q - b), dz/d(log a) = z and dz/db = -a.
    """
    a = np.exp(alpha)
    p = probability(nodes[:, None], a, b)
    resid = earned - seen * p  # d loglik / dz, per node
    weight = seen * p * (1.0 - p)  # - E d2 loglik / dz2
    dev = nodes[:, None] - b  # theta_q - b
    grad_b = -(a * resid.sum(axis=0)) - (b - mu_b) / var_b
    info_bb = a**2 * weight.sum(axis=0) + 1.0 / var_b
    if fixed:
        info = np.array([[np.ones_like(b), np.zeros_like(b)], [np.zeros_like(b), info_bb]])
        if step:
            b = b + np.clip(grad_b / info_bb, -1.0, 1.0)
        return alpha, b, info
    grad_alpha = a * (resid * dev).sum(axis=0) - (alpha - mu_alpha) / var_alpha
    info_aa = a**2 * (weight * dev**2).sum(axis=0) + 1.0 / var_alpha
    info_ab = -(a**2) * (weight * dev).sum(axis=0)
    info = np.array([[info_aa, info_ab], [info_ab, info_bb]])
    if step:
        det = info_aa * info_bb - info_ab**2
        d_alpha = (info_bb * grad_alpha - info_ab * grad_b) / det
        d_b = (info_aa * grad_b - info_ab * grad_alpha) / det
        alpha = alpha + np.clip(d_alpha, -0.5, 0.5)
        b = b + np.clip(d_b, -1.0, 1.0)
    return alpha, b, info
