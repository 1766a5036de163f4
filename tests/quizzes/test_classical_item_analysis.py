"""Item statistics recover the known parameters of simulated 2PL candidates.

Tolerances are four standard errors of each estimate at the simulated sample size, so a
correct implementation fails about once in 15,000 checks while a biased one (a wrong rest
score, a population instead of a sample variance in the wrong place, a missing k/(k-1))
is off by many standard errors:
- facility: SE = sqrt(F (1 - F) / n);
- item-rest correlation r: SE = (1 - r^2) / sqrt(n);
- Cronbach's alpha: SE = sqrt(2 k (1 - alpha)^2 / ((k - 1) (n - 1))) (Feldt's large-sample
  approximation).
"""

import numpy as np
import pytest

from quizzes.classical_item_analysis import (
    FLAG_EASY,
    FLAG_HARD,
    FLAG_NEGATIVE,
    item_statistics,
    reliability_statistics,
)
from tests.support.irt import (
    population_alpha,
    population_item_rest_correlation,
    population_moments,
    population_reliability,
    rank_correlation,
    simulate,
)

N = 2000
RNG_SEED = 20261201
A = np.linspace(0.4, 2.4, 16)
B = np.tile([-1.2, -0.4, 0.4, 1.2], 4)


@pytest.fixture(scope="module")
def fixed_form():
    rng = np.random.default_rng(RNG_SEED)
    order = rng.permutation(len(A))  # discrimination unrelated to column order
    a, b = A[order], B
    scores, _ = simulate(N, a, b, rng)
    return a, b, scores, item_statistics(scores)


def test_facility_recovers_the_population_facility(fixed_form):
    a, b, _, figures = fixed_form
    facility, _ = population_moments(a, b)
    for f_true, fig in zip(facility, figures, strict=True):
        assert fig.responses == N
        assert abs(fig.facility - f_true) <= 4 * np.sqrt(f_true * (1 - f_true) / N)


def test_discrimination_recovers_the_item_rest_correlation_and_its_ordering(fixed_form):
    a, b, _, figures = fixed_form
    _, cov = population_moments(a, b)
    r_true = population_item_rest_correlation(cov)
    estimates = np.array([fig.discrimination for fig in figures])
    assert np.all(np.abs(estimates - r_true) <= 4 * (1 - r_true**2) / np.sqrt(N))
    # More discriminating items (larger a) come out more discriminating.
    assert rank_correlation(a, estimates) > 0.85
    assert not any(fig.flags for fig in figures)


def test_discriminative_efficiency_is_a_share_of_the_largest_possible_covariance(fixed_form):
    a, _, _, figures = fixed_form
    efficiency = np.array([fig.discriminative_efficiency for fig in figures])
    assert np.all((efficiency > 0) & (efficiency <= 1))
    assert rank_correlation(a, efficiency) > 0.8


def test_efficiency_is_one_for_a_perfect_guttman_pattern():
    ability = np.repeat(np.arange(6), 5).astype(float)
    scores = (ability[:, None] >= np.array([1, 2, 3, 4, 5])[None, :]).astype(float)
    figures = item_statistics(scores)
    assert all(fig.discriminative_efficiency == pytest.approx(1.0) for fig in figures)


def test_alpha_and_sem_recover_the_population_values(fixed_form):
    a, b, scores, _ = fixed_form
    _, cov = population_moments(a, b)
    alpha_true = population_alpha(cov)
    k = len(a)
    se = np.sqrt(2 * k * (1 - alpha_true) ** 2 / ((k - 1) * (N - 1)))
    figures = reliability_statistics(scores)
    assert figures.attempts == N and figures.items_per_attempt == k
    assert abs(figures.alpha - alpha_true) <= 4 * se
    # Alpha is a lower bound of the reliability of the sum score (items are not
    # tau-equivalent here: their discriminations differ).
    assert figures.alpha <= population_reliability(a, b) + 4 * se
    sd_true = 100 * np.sqrt(cov.sum()) / k
    assert figures.sd_percent == pytest.approx(sd_true, rel=0.05)
    assert figures.sem_percent == pytest.approx(sd_true * np.sqrt(1 - alpha_true), rel=0.1)


def test_dubious_items_are_flagged():
    rng = np.random.default_rng(7)
    a = np.array([1.5, 1.2, 1.0, 1.3, 0.9, 1.1, -1.5, 1.0, 1.0])
    b = np.array([0.0, -0.5, 0.5, 0.2, -0.2, 0.8, 0.0, -5.0, 5.0])
    scores, _ = simulate(1500, a, b, rng)
    flags = [fig.flags for fig in item_statistics(scores)]
    assert flags[:6] == [()] * 6
    assert flags[6] == (FLAG_NEGATIVE,)
    assert FLAG_EASY in flags[7]
    assert FLAG_HARD in flags[8]


def test_random_draws_still_recover_facility_and_ordering():
    """Each simulated candidate gets 8 of the 16 items, as a section drawing at random."""
    rng = np.random.default_rng(RNG_SEED + 1)
    a, b = A, B
    full, _ = simulate(4000, a, b, rng)
    drawn = np.full_like(full, np.nan)
    for row in range(len(full)):
        picked = rng.choice(len(a), size=8, replace=False)
        drawn[row, picked] = full[row, picked]
    figures = item_statistics(drawn)
    facility, _ = population_moments(a, b)
    for f_true, fig in zip(facility, figures, strict=True):
        assert abs(fig.facility - f_true) <= 4 * np.sqrt(f_true * (1 - f_true) / fig.responses)
    assert rank_correlation(a, [fig.discrimination for fig in figures]) > 0.8
    reliability = reliability_statistics(drawn)
    assert reliability.items_per_attempt == 8
    # An 8-item form of these items: Spearman-Brown from the 16-item population alpha.
    _, cov = population_moments(a, b)
    alpha16 = population_alpha(cov)
    alpha8 = (0.5 * alpha16) / (1 - 0.5 * alpha16)
    assert reliability.alpha == pytest.approx(alpha8, abs=0.05)


def test_time_spent_is_the_median_and_mean_of_the_reported_seconds():
    rng = np.random.default_rng(3)
    medians = np.array([20.0, 45.0, 90.0])
    seconds = np.exp(np.log(medians)[None, :] + 0.4 * rng.standard_normal((3000, 3)))
    scores = (rng.random((3000, 3)) < 0.6).astype(float)
    seconds[::10, 0] = np.nan  # no time reported for some answers
    figures = item_statistics(scores, seconds)
    for fig, median in zip(figures, medians, strict=True):
        assert fig.median_seconds == pytest.approx(median, rel=0.05)
        assert fig.mean_seconds == pytest.approx(median * np.exp(0.4**2 / 2), rel=0.05)


def test_too_few_responses_give_no_figures_that_pretend():
    scores = np.array([[1.0, np.nan], [np.nan, 0.0]])
    figures = item_statistics(scores)
    assert figures[0].responses == 1 and figures[0].discrimination is None
    assert figures[0].flags == ()
    assert reliability_statistics(scores).alpha is None
