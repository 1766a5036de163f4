"""Exposure control for adaptive sections: Sympson & Hetter's (1985) parameters, found by
simulating candidates through the adaptive loop of quizzes/irt.py; NumPy only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .irt import AdaptiveRule, adaptive_run, probability

__all__ = ["ExposureControl", "sympson_hetter"]


@dataclass(frozen=True, eq=False)
class ExposureControl:
    """Sympson-Hetter exposure parameters: item j, once selected, is administered with
    probability `k[j]`; `exposure[j]` is the share of the simulated candidates shown item
    j under these k, and `converged` says whether its maximum is within the tolerance of
    `target` (else `k` is the best of the iterations tried)."""

    k: np.ndarray
    target: float
    tolerance: float
    exposure: np.ndarray
    iterations: int
    converged: bool


def sympson_hetter(
    rule: AdaptiveRule,
    a: Sequence[float],
    b: Sequence[float],
    cuts: Sequence[float],
    *,
    target: float = 0.25,
    tolerance: float = 0.02,
    candidates: int = 500,
    max_iterations: int = 30,
    seed: int = 0,
) -> ExposureControl:
    """Sympson & Hetter's (1985) exposure parameters for `rule` on the pool (a, b), found
    by the usual iterative simulation: simulated candidates with abilities from N(0, 1)
    (the calibration's ability scale) answer as the model says; P(S_j), the share for
    whom item j was selected (entered the lottery), and P(A_j), the share shown it, are
    counted; then k_j = target / P(S_j) where P(S_j) > target, else 1; until no P(A_j)
    exceeds target + tolerance.

    The same simulated candidates and response draws serve every iteration (common random
    numbers), so a change between iterations comes from the k, not from sampling noise.
    Since each item meets at most one lottery per candidate (`exposure_lottery`),
    P(A_j) = k_j P(S_j): the update aims every over-exposed item at the target.
    """
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    if not 0 < target <= 1:
        raise ValueError("target must lie in (0, 1]")
    if tolerance < 0 or candidates < 1 or max_iterations < 1:
        raise ValueError("need tolerance >= 0, candidates >= 1 and max_iterations >= 1")
    # Every candidate takes at least min_items, so the exposures add up to at least that.
    if a.size * target < min(rule.min_items, a.size):
        raise ValueError(
            f"a pool of {a.size} items cannot show each to at most {target:.0%} of candidates "
            f"who take {rule.min_items} or more; it needs {int(np.ceil(rule.min_items / target))}"
        )
    population = np.random.default_rng([seed, 0]).normal(0.0, 1.0, candidates)
    k = np.ones(a.size)
    best: ExposureControl | None = None
    for iteration in range(1, max_iterations + 1):
        selected = np.zeros(a.size)
        shown = np.zeros(a.size)
        answers = np.random.default_rng([seed, 1])
        for i, theta in enumerate(population):

            def respond(j: int, theta=theta, answers=answers) -> float:
                return float(answers.random() < probability(theta, a[j], b[j]))

            run = adaptive_run(rule, a, b, cuts, respond, seed=seed * 100003 + i, exposure=k)
            selected[list(run.selected)] += 1
            shown[run.administered] += 1
        exposure = shown / candidates
        # The exposures add up to the mean test length: a pool too small for it cannot
        # meet the cap whatever the k (they would only refuse every question in turn).
        if iteration == 1 and a.size * target < exposure.sum():
            raise ValueError(
                f"a pool of {a.size} items cannot show each to at most {target:.0%} of "
                f"candidates who take {exposure.sum():.1f} on average; "
                f"it needs {int(np.ceil(exposure.sum() / target))}"
            )
        converged = bool(exposure.max(initial=0) <= target + tolerance)
        result = ExposureControl(k, target, tolerance, exposure, iteration, converged)
        if best is None or exposure.max(initial=0) < best.exposure.max(initial=0):
            best = result
        if converged:
            return result
        # k P(S) is the expected exposure; with the lottery draws held fixed the realised
        # one differs by their sampling noise, so the step scales k by aim / P(A). Aiming
        # half the tolerance low leaves room for the coupling between items: restricting
        # one sends its candidates to the next, which pushed restricted items back over
        # the cap and kept the plain update (aim = target) from settling.
        aim = target - tolerance / 2
        over = selected / candidates > aim
        k = np.where(over, np.minimum(1.0, k * aim / np.maximum(exposure, 1e-12)), 1.0)
    return best
