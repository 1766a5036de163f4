"""Item response theory for the question bank: the two-parameter logistic model (2PL),
ability estimates with their uncertainty, calibration by marginal maximum likelihood with
priors from the bank's level labels, level cut points, and adaptive item selection.

NumPy only, no Django: the fit, the estimates and the adaptive draw are plain functions of
arrays, so a simulation, a Celery task and a candidate's request all run the same code.

The model: a candidate of ability ``theta`` earns on item ``j``

    P_j(theta) = 1 / (1 + exp(-a_j * (theta - b_j)))

in expectation, with ``a_j > 0`` the discrimination and ``b_j`` the difficulty. Scores are
in [0, 1]; a fractional score (a partly right multiple-choice answer, a coding score)
enters the likelihood as ``s log P + (1 - s) log(1 - P)`` (the quasi-binomial likelihood),
which is the Bernoulli likelihood for 0/1 scores. ``NaN`` marks an item not taken.

The scale is anchored by the candidates: abilities follow N(0, 1) in the calibration
population. Without data an item's parameters are its prior: the difficulty prior is
centred by the item's level (junior easier, senior harder) and the data pull it away as
responses accumulate (a normal prior's weight is fixed while the likelihood's grows).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "LEVELS",
    "AbilityEstimate",
    "AdaptiveRule",
    "AdaptiveRun",
    "Calibration",
    "ExposureControl",
    "Priors",
    "adaptive_run",
    "calibrate",
    "classify",
    "estimate_ability",
    "exposure_lottery",
    "information",
    "level_cut_points",
    "next_adaptive_item",
    "probability",
    "select_item",
    "should_stop",
    "sympson_hetter",
]

LEVELS = ("junior", "mid", "senior")

# Ability grid for the posterior: +-6 covers any plausible candidate under the N(0, 1)
# prior (the prior mass beyond is 2e-9), and 0.05 spacing keeps the posterior mean and
# standard deviation within 1e-4 of their integrals for any realistic number of items.
ABILITY_GRID = np.linspace(-6.0, 6.0, 241)
# Quadrature for the calibration's E-step: 61 nodes on +-5 are within 1e-4 of the
# marginal likelihood with 121 nodes on our simulated banks (tests/quizzes/test_irt.py).
CALIBRATION_NODES = np.linspace(-5.0, 5.0, 61)


def _expit(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0)))


def probability(theta, a, b) -> np.ndarray:
    """P(theta) = 1 / (1 + exp(-a (theta - b))), broadcasting theta, a and b.

    >>> float(probability(0.0, 1.0, 0.0))
    0.5
    """
    return _expit(np.asarray(a, float) * (np.asarray(theta, float) - np.asarray(b, float)))


def information(theta, a, b) -> np.ndarray:
    """Fisher information of an item at theta: a^2 P (1 - P), broadcasting like `probability`."""
    p = probability(theta, a, b)
    return np.asarray(a, float) ** 2 * p * (1.0 - p)


# ----------------------------------------------------------------------------- ability


@dataclass(frozen=True, eq=False)
class AbilityEstimate:
    """The posterior of a candidate's ability: its mean (EAP), standard deviation (SE)."""

    theta: float
    se: float
    n_items: int
    posterior: np.ndarray = field(repr=False)  # weights on ABILITY_GRID, summing to 1

    def level_probabilities(self, cuts: Sequence[float]) -> dict[str, float]:
        """Posterior probability of each level, given the (mid, senior) cut points."""
        mid_cut, senior_cut = cuts
        below_mid = ABILITY_GRID < mid_cut
        below_senior = ABILITY_GRID < senior_cut
        junior = float(self.posterior[below_mid].sum())
        mid = float(self.posterior[~below_mid & below_senior].sum())
        return {"junior": junior, "mid": mid, "senior": max(0.0, 1.0 - junior - mid)}


def _log_likelihood(scores: np.ndarray, a: np.ndarray, b: np.ndarray, grid: np.ndarray):
    """Log likelihood of one candidate's scores at each grid point (NaN scores skipped)."""
    taken = ~np.isnan(scores)
    s = scores[taken]
    p = probability(grid[:, None], a[taken], b[taken])
    return (s * np.log(p) + (1.0 - s) * np.log1p(-p)).sum(axis=1)


def estimate_ability(
    scores: Sequence[float],
    a: Sequence[float],
    b: Sequence[float],
    *,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
) -> AbilityEstimate:
    """Expected a posteriori ability and its posterior SD, under a N(prior_mean, prior_sd) prior.

    `scores[j]` in [0, 1] is the score on the item with parameters `a[j]`, `b[j]`; NaN
    means not taken. The EAP exists for any pattern (all right, all wrong, no items), unlike
    the maximum likelihood estimate, which is why a short adaptive test uses it.

    >>> est = estimate_ability([1, 1, 0], [1, 1, 1], [-1, 0, 1])
    >>> round(est.theta, 2), round(est.se, 2)
    (0.32, 0.8)
    """
    scores = np.asarray(scores, float)
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    if not (scores.shape == a.shape == b.shape and scores.ndim == 1):
        raise ValueError(
            f"scores, a and b must be 1-D of one length, got {scores.shape}, {a.shape}, {b.shape}"
        )
    if np.any((scores < 0) | (scores > 1)):
        raise ValueError("scores must lie in [0, 1]")
    log_post = _log_likelihood(scores, a, b, ABILITY_GRID)
    log_post += -0.5 * ((ABILITY_GRID - prior_mean) / prior_sd) ** 2
    weights = np.exp(log_post - log_post.max())
    weights /= weights.sum()
    theta = float(weights @ ABILITY_GRID)
    se = float(np.sqrt(weights @ (ABILITY_GRID - theta) ** 2))
    return AbilityEstimate(theta, se, int((~np.isnan(scores)).sum()), weights)


# ------------------------------------------------------------------------------ levels


def level_cut_points(
    a: Sequence[float], b: Sequence[float], levels: Sequence[str], *, bar: float = 0.6
) -> tuple[float, float]:
    """The abilities at which a candidate is expected to score `bar` on the bank's mid items
    and on its senior items: the (mid, senior) cut points of the ability scale.

    This is the raw-percent rule of docs/scoring.md ("a level is reached at 60 % on its
    questions") moved onto the ability scale, over the whole pool rather than one test's
    questions, so the level no longer depends on which questions a test happened to have.
    A level with no item falls back to where an item of average discrimination at the
    level's prior difficulty would put it. The senior cut is never below the mid cut.
    """
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    levels = np.asarray(levels)
    priors = Priors()
    typical_a = float(np.exp(priors.log_discrimination_mean))
    cuts = []
    for level in ("mid", "senior"):
        mine = levels == level
        if not mine.any():
            cuts.append(priors.difficulty_mean[level] + np.log(bar / (1 - bar)) / typical_a)
            continue
        expected = probability(ABILITY_GRID[:, None], a[mine], b[mine]).mean(axis=1)
        # The test characteristic curve increases with theta: interpolate where it hits bar.
        cuts.append(float(np.interp(bar, expected, ABILITY_GRID)))
    return cuts[0], max(cuts[0], cuts[1])


def classify(theta: float, cuts: Sequence[float]) -> str:
    """junior below the mid cut, senior at or above the senior cut, else mid."""
    mid_cut, senior_cut = cuts
    if theta >= senior_cut:
        return "senior"
    return "mid" if theta >= mid_cut else "junior"


# ------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class Priors:
    """Priors on item parameters: difficulty ~ N(mean by level, sd), log a ~ N(mean, sd).

    The difficulty means place a junior item where a candidate one SD below the average
    has even odds, a senior item one SD above. sd = 1 lets the data move an item a whole
    level once a few dozen candidates have taken it. log a ~ N(0, 0.5) keeps the
    discrimination of an item with few responses between 0.37 and 2.7 (two SDs).
    """

    difficulty_mean: Mapping[str, float] = field(
        default_factory=lambda: {"junior": -1.0, "mid": 0.0, "senior": 1.0}
    )
    difficulty_sd: float = 1.0
    log_discrimination_mean: float = 0.0
    log_discrimination_sd: float = 0.5


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


# ---------------------------------------------------------------------------- adaptive


def select_item(
    theta: float,
    a: Sequence[float],
    b: Sequence[float],
    administered: Sequence[int],
    *,
    randomesque: int = 1,
    rng: np.random.Generator,
    eligible: Sequence[bool] | None = None,
) -> int:
    """The index of the next item: one of the `randomesque` most informative items at
    `theta` not yet administered, chosen uniformly by `rng` (Kingsbury & Zara's
    randomesque exposure control: the single best item is not shown to every candidate
    of similar ability). Ties in information are broken at random too, so items with
    identical (prior-only) parameters share the exposure.

    `eligible[j]` False means item j lost its Sympson-Hetter lottery for this candidate
    (`exposure_lottery`): when it is the choice, the next most informative item is tried,
    and so on. With every remaining item refused (tiny k on a nearly used-up pool) the
    choice stands, so the test never stops short of its minimum.
    """
    return _select(theta, a, b, administered, randomesque, rng, eligible)[0]


def _select(theta, a, b, administered, randomesque, rng, eligible) -> tuple[int, np.ndarray]:
    """`select_item`, also returning the items selected at this step: the choice and, when
    the lottery refused it, the items tried after it, the administered one last."""
    if randomesque < 1:
        raise ValueError("randomesque must be at least 1")
    a = np.asarray(a, float)
    available = np.ones(len(a), bool)
    available[list(administered)] = False
    candidates = np.flatnonzero(available)
    if candidates.size == 0:
        raise ValueError("every item of the pool has been administered")
    info = information(theta, a[candidates], np.asarray(b, float)[candidates])
    shuffled = rng.permutation(candidates.size)
    # Rounding makes equal information compare equal despite float noise.
    order = shuffled[np.argsort(-np.round(info[shuffled], 12), kind="stable")]
    top = order[: min(randomesque, order.size)]
    first = top[rng.integers(top.size)]
    tries = candidates[np.concatenate([[first], order[order != first]])]
    passes = np.ones(tries.size, bool) if eligible is None else np.asarray(eligible)[tries]
    if not passes.any():
        return int(tries[0]), tries
    n = int(np.argmax(passes))
    return int(tries[n]), tries[: n + 1]


def exposure_lottery(exposure: Sequence[float], seed: int) -> np.ndarray:
    """Which items a candidate may be shown under Sympson-Hetter: item j is eligible with
    probability k_j = `exposure[j]`, drawn once per candidate from `seed`.

    One draw per item for the whole test is the SH lottery: in Sympson & Hetter's
    procedure an item is put to the lottery the first time it is selected and, refused,
    is set aside for the rest of that candidate's test, so each item meets at most one
    lottery per candidate. Drawing them at the start gives the same odds, and keeps every
    step a function of the seed and the record (a replay needs nothing else).
    """
    k = np.asarray(exposure, float)
    if k.ndim != 1 or not np.all((k >= 0) & (k <= 1)):  # also refuses NaN
        raise ValueError("exposure parameters must be one per item, each in [0, 1]")
    # Its own stream: the steps use (seed, k) for small k, so the choices stay as they were.
    return np.random.default_rng([seed, _LOTTERY_STREAM]).random(k.size) < k


_LOTTERY_STREAM = 2**32 - 1


@dataclass(frozen=True)
class AdaptiveRule:
    """How an adaptive section runs: it stops once `min_items` are taken and either the
    ability's SE is at most `target_se` or one level is at least `level_confidence`
    probable (a classification test need not measure a clear senior to the last decimal),
    and always at `max_items`; `randomesque` is the exposure control's choice width."""

    min_items: int = 5
    max_items: int = 20
    target_se: float = 0.3
    level_confidence: float | None = 0.95
    randomesque: int = 10

    def __post_init__(self):
        if not 1 <= self.min_items <= self.max_items:
            raise ValueError("need 1 <= min_items <= max_items")
        if self.target_se <= 0:
            raise ValueError("target_se must be positive")
        if self.level_confidence is not None and not 0.5 < self.level_confidence <= 1:
            raise ValueError("level_confidence must lie in (0.5, 1]")
        if self.randomesque < 1:
            raise ValueError("randomesque must be at least 1")


def should_stop(
    rule: AdaptiveRule, estimate: AbilityEstimate, cuts: Sequence[float], pool_size: int
) -> bool:
    """Whether an adaptive section is over after the items behind `estimate`."""
    n = estimate.n_items
    if n >= min(rule.max_items, pool_size):
        return True
    if n < rule.min_items:
        return False
    if estimate.se <= rule.target_se:
        return True
    if rule.level_confidence is not None:
        return max(estimate.level_probabilities(cuts).values()) >= rule.level_confidence
    return False


def next_adaptive_item(
    rule: AdaptiveRule,
    a: Sequence[float],
    b: Sequence[float],
    administered: Sequence[int],
    scores: Sequence[float],
    cuts: Sequence[float],
    seed: int,
    exposure: Sequence[float] | None = None,
) -> tuple[int | None, AbilityEstimate]:
    """The next item of an adaptive section (None when it is over) and the estimate so far.

    A pure function of the pool, the items shown with their scores, the attempt's seed and
    the exposure parameters: the draw at step k (randomesque choice and SH lottery) uses a
    generator seeded by (seed, k), so replaying an attempt's record gives the same items,
    and a reload never changes the next item.
    """
    eligible = None if exposure is None else exposure_lottery(exposure, seed)
    item, estimate, _ = _next_item(rule, a, b, administered, scores, cuts, seed, eligible)
    return item, estimate


def _next_item(rule, a, b, administered, scores, cuts, seed, eligible):
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    if eligible is not None and len(eligible) != a.size:
        raise ValueError(f"{len(eligible)} exposure parameters for a pool of {a.size} items")
    administered = list(administered)
    if len(set(administered)) != len(administered):
        raise ValueError("an item was administered twice")
    if len(scores) != len(administered):
        raise ValueError("one score per administered item")
    estimate = estimate_ability(np.asarray(scores, float), a[administered], b[administered])
    if should_stop(rule, estimate, cuts, len(a)):
        return None, estimate, np.empty(0, int)
    rng = np.random.default_rng([seed, len(administered)])
    item, tried = _select(estimate.theta, a, b, administered, rule.randomesque, rng, eligible)
    return item, estimate, tried


@dataclass(frozen=True, eq=False)
class AdaptiveRun:
    """One simulated candidate's adaptive section."""

    administered: list[int]
    scores: list[float]
    estimate: AbilityEstimate
    selected: set[int]  # every item selected at some step (all administered ones too)


def adaptive_run(
    rule: AdaptiveRule,
    a: Sequence[float],
    b: Sequence[float],
    cuts: Sequence[float],
    respond: Callable[[int], float],
    *,
    seed: int,
    exposure: Sequence[float] | None = None,
) -> AdaptiveRun:
    """Run an adaptive section to its end with `respond(item)` giving each score: the
    loop of a candidate's attempt, for simulations."""
    eligible = None if exposure is None else exposure_lottery(exposure, seed)
    administered: list[int] = []
    scores: list[float] = []
    selected: set[int] = set()
    while True:
        item, estimate, tried = _next_item(rule, a, b, administered, scores, cuts, seed, eligible)
        if item is None:
            return AdaptiveRun(administered, scores, estimate, selected)
        selected.update(tried.tolist())
        administered.append(item)
        scores.append(float(respond(item)))


# ----------------------------------------------------------------- exposure control


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
