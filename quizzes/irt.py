"""Item response theory for the question bank: the two-parameter logistic model (2PL),
ability estimates with their uncertainty, calibration by marginal maximum likelihood with
priors from the bank's level labels, level cut points, and adaptive item selection. The
fit itself is in quizzes/irtfit.py, the exposure control of adaptive sections in
quizzes/exposure.py.

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
    "ABILITY_LEVELS",
    "LEVELS",
    "AbilityEstimate",
    "AdaptiveRule",
    "AdaptiveRun",
    "Priors",
    "adaptive_run",
    "classify",
    "estimate_ability",
    "exposure_lottery",
    "information",
    "level_cut_points",
    "next_adaptive_item",
    "probability",
    "select_item",
    "should_stop",
]

# The questions' levels.
LEVELS = ("junior", "mid", "senior")
# A candidate's levels: those of the questions, with a floor below junior. A level is
# reached where a candidate expects 60 % on the bank's questions of that level
# (`level_cut_points`), so a candidate who would fail the junior questions is not junior.
ABILITY_LEVELS = ("not_yet_junior", *LEVELS)

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
        """Posterior probability of each of ABILITY_LEVELS, given the (junior, mid,
        senior) cut points."""
        below = [float(self.posterior[ABILITY_GRID < cut].sum()) for cut in cuts]
        masses = np.diff([0.0, *below, 1.0]).clip(0.0, 1.0)
        return dict(zip(ABILITY_LEVELS, masses.tolist(), strict=True))


# Gauss-Hermite nodes and weights for an expectation over N(0, 1) (probabilists'), enough
# to integrate a logistic curve over a normal difficulty within 1e-4.
_HERMITE_NODES, _HERMITE_WEIGHTS = np.polynomial.hermite_e.hermegauss(24)
_HERMITE_WEIGHTS = _HERMITE_WEIGHTS / _HERMITE_WEIGHTS.sum()


def _log_likelihood(
    scores: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    grid: np.ndarray,
    b_sd: np.ndarray | None = None,
):
    """Log likelihood of one candidate's scores at each grid point (NaN scores skipped).
    With `b_sd`, each item's curve is averaged over its difficulty ~ N(b, b_sd): the
    exact marginal likelihood for one candidate, whose items' errors are independent."""
    taken = ~np.isnan(scores)
    s = scores[taken]
    if b_sd is None:
        p = probability(grid[:, None], a[taken], b[taken])
    else:
        nodes = b[taken][:, None] + b_sd[taken][:, None] * _HERMITE_NODES  # items x nodes
        p = probability(grid[:, None, None], a[taken][:, None], nodes) @ _HERMITE_WEIGHTS
        p = p.clip(1e-12, 1.0 - 1e-12)
    return (s * np.log(p) + (1.0 - s) * np.log1p(-p)).sum(axis=1)


def estimate_ability(
    scores: Sequence[float],
    a: Sequence[float],
    b: Sequence[float],
    *,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
    b_sd: Sequence[float] | None = None,
) -> AbilityEstimate:
    """Expected a posteriori ability and its posterior SD, under a N(prior_mean, prior_sd) prior.

    `scores[j]` in [0, 1] is the score on the item with parameters `a[j]`, `b[j]`; NaN
    means not taken. The EAP exists for any pattern (all right, all wrong, no items), unlike
    the maximum likelihood estimate, which is why a short adaptive test uses it.

    `b_sd[j]`, when given, is how uncertain item j's difficulty is (its calibration SE; the
    prior's SD for an item nobody answered yet): the posterior then widens by what the
    items' parameters do not know, so its level probabilities do not claim more certainty
    than the bank has (docs/scoring.md, "Honest certainty").

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
    sd = None
    if b_sd is not None:
        sd = np.asarray(b_sd, float)
        if sd.shape != b.shape or np.any(~(sd >= 0)):
            raise ValueError("b_sd must be one non-negative value per item")
    log_post = _log_likelihood(scores, a, b, ABILITY_GRID, sd)
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
    """The abilities at which a candidate is expected to score `bar` on the bank's junior,
    mid and senior items: the (junior, mid, senior) cut points of the ability scale.

    This is the raw-percent rule of docs/scoring.md ("a level is reached at 60 % on its
    questions") moved onto the ability scale, over the whole pool rather than one test's
    questions, so the level no longer depends on which questions a test happened to have.
    A level with no item falls back to where an item of average discrimination at the
    level's prior difficulty would put it. A cut is never below the one under it.
    """
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    levels = np.asarray(levels)
    priors = Priors()
    typical_a = float(np.exp(priors.log_discrimination_mean))
    cuts = []
    for level in LEVELS:
        mine = levels == level
        if not mine.any():
            cuts.append(priors.difficulty_mean[level] + np.log(bar / (1 - bar)) / typical_a)
            continue
        expected = probability(ABILITY_GRID[:, None], a[mine], b[mine]).mean(axis=1)
        # The test characteristic curve increases with theta: interpolate where it hits bar.
        cuts.append(float(np.interp(bar, expected, ABILITY_GRID)))
    junior, mid, senior = np.maximum.accumulate(cuts).tolist()
    return junior, mid, senior


def classify(theta: float, cuts: Sequence[float]) -> str:
    """The highest of ABILITY_LEVELS whose cut `theta` reaches (junior, mid, senior cuts);
    below the junior cut, not_yet_junior."""
    reached = sum(theta >= cut for cut in cuts)
    return ABILITY_LEVELS[reached]


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
