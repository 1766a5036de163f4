"""The IRT core (quizzes/irt.py): the 2PL model, abilities with their SE, the calibration
fit, level cut points and the adaptive draw."""

import numpy as np
import pytest

from quizzes import irt, irtfit
from quizzes.exposure import sympson_hetter

LEVEL_CENTRE = irt.Priors().difficulty_mean


def simulated_bank(n_items: int, rng):
    levels = np.array([irt.LEVELS[j % 3] for j in range(n_items)])
    b = np.array([LEVEL_CENTRE[lv] for lv in levels]) + rng.normal(0, 0.8, n_items)
    a = np.exp(rng.normal(0.1, 0.3, n_items))
    return levels, a, b


def responses(theta, a, b, rng):
    return (rng.random((theta.size, a.size)) < irt.probability(theta[:, None], a, b)).astype(float)


def rmse(x, y):
    return float(np.sqrt(np.mean((np.asarray(x) - np.asarray(y)) ** 2)))


def test_probability_is_even_at_the_difficulty_and_information_peaks_there():
    assert irt.probability(0.7, 1.3, 0.7) == pytest.approx(0.5)
    grid = np.linspace(-3, 3, 601)
    info = irt.information(grid, 1.3, 0.7)
    assert grid[info.argmax()] == pytest.approx(0.7, abs=0.01)
    assert info.max() == pytest.approx(1.3**2 / 4)


# Tolerances: with 1500 candidates the sampling SE of a difficulty is about 0.07-0.12 and
# of a discrimination about 0.06-0.1 (the fit's own SEs agree); an RMSE bound of 0.2 is
# about twice that, while a broken fit lands at the priors' RMSE of 0.8 or worse.
def test_calibration_recovers_known_2pl_parameters():
    rng = np.random.default_rng(7)
    levels, a, b = simulated_bank(24, rng)
    theta = rng.normal(0, 1, 1500)
    fit = irtfit.calibrate(responses(theta, a, b, rng), levels)
    assert fit.converged
    assert rmse(fit.difficulty, b) < 0.2
    assert rmse(fit.discrimination, a) < 0.2
    assert np.corrcoef(fit.difficulty, b)[0, 1] > 0.97
    # The reported SEs are honest: nearly every estimate lies within 3 SEs of the truth.
    assert np.mean(np.abs(fit.difficulty - b) <= 3 * fit.difficulty_se) >= 0.9
    assert fit.candidates == 1500 and (fit.responses == 1500).all()


def test_calibration_recovers_parameters_when_each_candidate_takes_a_few_items():
    rng = np.random.default_rng(11)
    levels, a, b = simulated_bank(30, rng)
    theta = rng.normal(0, 1, 2500)
    scores = responses(theta, a, b, rng)
    scores[rng.random(scores.shape) > 0.4] = np.nan  # each takes about 12 of 30
    fit = irtfit.calibrate(scores, levels)
    assert rmse(fit.difficulty, b) < 0.2
    assert rmse(fit.discrimination, a) < 0.25


def test_calibration_without_responses_is_the_level_priors():
    levels = ["junior", "mid", "senior", "mid"]
    fit = irtfit.calibrate(np.empty((0, 4)), levels)
    assert fit.difficulty.tolist() == [-1.0, 0.0, 1.0, 0.0]
    assert fit.discrimination.tolist() == [1.0] * 4
    assert fit.difficulty_se.tolist() == [1.0] * 4
    assert fit.responses.tolist() == [0] * 4


def test_few_responses_stay_near_the_level_prior_and_many_move_to_the_data():
    rng = np.random.default_rng(3)
    levels, a, b = simulated_bank(24, rng)
    prior_b = np.array([LEVEL_CENTRE[lv] for lv in levels])
    theta = rng.normal(0, 1, 1500)
    scores = responses(theta, a, b, rng)
    few = irtfit.calibrate(scores[:15], levels)
    many = irtfit.calibrate(scores, levels)
    # With 15 candidates the estimates sit between the prior and the truth ...
    assert rmse(few.difficulty, prior_b) < rmse(many.difficulty, prior_b)
    assert rmse(few.difficulty, b) < rmse(prior_b, b)
    # ... and the uncertainty shrinks as data grows.
    assert (many.difficulty_se < few.difficulty_se).all()
    assert rmse(many.difficulty, b) < rmse(few.difficulty, b)


def test_rasch_fit_keeps_the_discrimination_and_recovers_difficulties():
    rng = np.random.default_rng(5)
    levels, _, b = simulated_bank(20, rng)
    a = np.ones(20)
    theta = rng.normal(0, 1, 1200)
    fit = irtfit.calibrate(responses(theta, a, b, rng), levels, fixed_discrimination=1.0)
    assert fit.discrimination.tolist() == [1.0] * 20
    assert rmse(fit.difficulty, b) < 0.15


def test_fractional_scores_count_between_a_wrong_and_a_right_answer():
    a, b = [1.0, 1.0], [0.0, 0.5]
    wrong = irt.estimate_ability([1, 0], a, b).theta
    half = irt.estimate_ability([1, 0.5], a, b).theta
    right = irt.estimate_ability([1, 1], a, b).theta
    assert wrong < half < right


@pytest.mark.parametrize(
    "scores, levels, message",
    [
        (np.ones((3, 2)), ["junior"], "levels has 1"),
        (np.full((3, 1), 2.0), ["junior"], r"\[0, 1\]"),
        (np.ones((3, 1)), ["expert"], "unknown level 'expert'"),
    ],
)
def test_calibration_rejects_bad_input_with_a_clear_message(scores, levels, message):
    with pytest.raises(ValueError, match=message):
        irtfit.calibrate(scores, levels)


def test_se_decreases_with_every_item_taken():
    rng = np.random.default_rng(0)
    a = np.exp(rng.normal(0.1, 0.3, 40))
    b = rng.normal(0, 1, 40)
    scores = (rng.random(40) < irt.probability(0.5, a, b)).astype(float)
    ses = [irt.estimate_ability(scores[:n], a[:n], b[:n]).se for n in range(41)]
    assert ses[0] == pytest.approx(1.0, abs=1e-3)  # the N(0, 1) prior alone
    assert all(later < earlier for earlier, later in zip(ses, ses[1:], strict=False))


def test_ability_estimate_finds_a_known_ability():
    rng = np.random.default_rng(1)
    a = np.exp(rng.normal(0.2, 0.2, 200))
    b = rng.normal(1, 1, 200)
    scores = (rng.random(200) < irt.probability(1.4, a, b)).astype(float)
    est = irt.estimate_ability(scores, a, b)
    assert est.se < 0.2
    assert abs(est.theta - 1.4) < 3 * est.se


def test_all_right_answers_give_a_finite_estimate_with_a_wide_se():
    est = irt.estimate_ability([1, 1, 1], [1, 1, 1], [-1, 0, 1])
    assert 0.5 < est.theta < 3
    assert est.se > 0.6


def test_cut_points_are_where_the_level_items_expect_sixty_percent():
    rng = np.random.default_rng(2)
    levels, a, b = simulated_bank(30, rng)
    cuts = irt.level_cut_points(a, b, levels)
    junior_cut, mid_cut, senior_cut = cuts
    for cut, level in zip(cuts, irt.LEVELS, strict=True):
        mine = levels == level
        assert irt.probability(cut, a[mine], b[mine]).mean() == pytest.approx(0.6, abs=1e-3)
    assert junior_cut < mid_cut < senior_cut
    assert irt.classify(junior_cut - 0.01, cuts) == "not_yet_junior"
    assert irt.classify(junior_cut, cuts) == "junior"
    assert irt.classify(mid_cut - 0.01, cuts) == "junior"
    assert irt.classify(mid_cut, cuts) == "mid"
    assert irt.classify(senior_cut, cuts) == "senior"


def test_with_the_level_priors_alone_the_cuts_sit_where_sixty_percent_is_expected():
    levels = ["junior", "mid", "senior"]
    cuts = irt.level_cut_points([1, 1, 1], [-1, 0, 1], levels)
    # P = 0.6 where a (theta - b) = log(1.5): each level's prior difficulty + 0.41.
    assert cuts == pytest.approx((-0.595, 0.405, 1.405), abs=0.01)


def test_level_probabilities_add_up_and_follow_the_evidence():
    cuts = (-0.6, 0.4, 1.5)
    a, b = [1.5] * 6, [-1, -0.5, 0, 0.5, 1, 1.5]
    strong = irt.estimate_ability([1, 1, 1, 1, 1, 0], a, b).level_probabilities(cuts)
    weak = irt.estimate_ability([1, 0, 0, 0, 0, 0], a, b).level_probabilities(cuts)
    assert list(strong) == list(irt.ABILITY_LEVELS)
    assert sum(strong.values()) == pytest.approx(1.0)
    assert sum(weak.values()) == pytest.approx(1.0)
    assert max(weak, key=weak.get) in ("not_yet_junior", "junior")
    assert weak["not_yet_junior"] + weak["junior"] > 0.8
    assert strong["senior"] > weak["senior"]


def test_a_candidate_who_fails_nearly_everything_is_below_junior_not_junior():
    # 30 questions, a third per level at the level priors, one right: the 3 % candidate.
    a, b = [1.0] * 30, [-1.0] * 10 + [0.0] * 10 + [1.0] * 10
    scores = [1.0] + [0.0] * 29
    cuts = irt.level_cut_points(a, b, ["junior"] * 10 + ["mid"] * 10 + ["senior"] * 10)
    probabilities = irt.estimate_ability(scores, a, b, b_sd=[1.0] * 30).level_probabilities(cuts)
    assert max(probabilities, key=probabilities.get) == "not_yet_junior"
    assert probabilities["junior"] < 0.1


def test_uncertain_difficulties_widen_the_estimate_and_temper_its_certainty():
    a, b = [1.0] * 12, [-1.0] * 4 + [0.0] * 4 + [1.0] * 4
    scores = [1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0]
    cuts = (-0.6, 0.4, 1.4)
    exact = irt.estimate_ability(scores, a, b)
    known = irt.estimate_ability(scores, a, b, b_sd=[0.0] * 12)
    unsure = irt.estimate_ability(scores, a, b, b_sd=[1.0] * 12)
    assert known.theta == pytest.approx(exact.theta, abs=1e-6)  # b_sd 0 is the plain model
    assert unsure.se > exact.se
    top = max(exact.level_probabilities(cuts).values())
    assert max(unsure.level_probabilities(cuts).values()) < top


def test_difficulty_uncertainty_is_one_non_negative_value_per_item():
    with pytest.raises(ValueError, match="b_sd"):
        irt.estimate_ability([1, 0], [1, 1], [0, 0], b_sd=[1.0])
    with pytest.raises(ValueError, match="b_sd"):
        irt.estimate_ability([1, 0], [1, 1], [0, 0], b_sd=[1.0, float("nan")])


# ----------------------------------------------------------------------------- adaptive


def run_adaptive(rule, a, b, theta, seed, rng):
    cuts = irt.level_cut_points(a, b, np.array([irt.LEVELS[j % 3] for j in range(len(a))]))
    administered, scores = [], []
    while True:
        item, estimate = irt.next_adaptive_item(rule, a, b, administered, scores, cuts, seed)
        if item is None:
            return administered, scores, estimate
        administered.append(item)
        scores.append(float(rng.random() < irt.probability(theta, a[item], b[item])))


def test_adaptive_draw_is_deterministic_for_a_seed():
    rng = np.random.default_rng(4)
    _, a, b = simulated_bank(60, rng)
    rule = irt.AdaptiveRule(min_items=10, max_items=10)
    first, _, _ = run_adaptive(rule, a, b, 0.3, seed=42, rng=np.random.default_rng(9))
    again, _, _ = run_adaptive(rule, a, b, 0.3, seed=42, rng=np.random.default_rng(9))
    other, _, _ = run_adaptive(rule, a, b, 0.3, seed=43, rng=np.random.default_rng(9))
    assert first == again
    assert first != other


def test_adaptive_draw_never_repeats_an_item_until_the_pool_is_exhausted():
    rng = np.random.default_rng(6)
    _, a, b = simulated_bank(25, rng)
    rule = irt.AdaptiveRule(min_items=25, max_items=40, target_se=0.01, level_confidence=None)
    shown, scores, estimate = run_adaptive(rule, a, b, 1.0, seed=1, rng=rng)
    assert sorted(shown) == list(range(25))
    assert estimate.n_items == 25
    with pytest.raises(ValueError, match="administered twice"):
        irt.next_adaptive_item(rule, a, b, [3, 3], [1, 0], (0, 1), 1)


def test_without_randomesque_the_most_informative_item_comes_next():
    a = np.array([1.0, 2.0, 2.0, 0.5])
    b = np.array([0.0, 0.0, 3.0, 0.0])
    rng = np.random.default_rng(0)
    assert irt.select_item(0.0, a, b, [], randomesque=1, rng=rng) == 1
    assert irt.select_item(0.0, a, b, [1], randomesque=1, rng=rng) == 0
    assert irt.select_item(3.0, a, b, [1], randomesque=1, rng=rng) == 2


def test_randomesque_spreads_the_first_item_over_the_top_of_the_pool():
    rng = np.random.default_rng(8)
    _, a, b = simulated_bank(60, rng)
    firsts = [
        irt.select_item(0.0, a, b, [], randomesque=5, rng=np.random.default_rng(s))
        for s in range(400)
    ]
    top5 = set(np.argsort(-irt.information(0.0, a, b))[:5].tolist())
    assert set(firsts) == top5
    assert max(firsts.count(i) for i in top5) / 400 < 0.3


def test_adaptive_section_stops_at_target_se_or_confidence_within_min_and_max():
    rng = np.random.default_rng(10)
    _, a, b = simulated_bank(90, rng)
    rule = irt.AdaptiveRule(min_items=6, max_items=15, target_se=0.45, level_confidence=None)
    shown, _, estimate = run_adaptive(rule, a, b, 0.0, seed=3, rng=rng)
    assert 6 <= len(shown) <= 15
    assert estimate.se <= 0.45 or len(shown) == 15
    # A clearly weak candidate is classified junior long before the SE target.
    sure = irt.AdaptiveRule(min_items=5, max_items=30, target_se=0.1, level_confidence=0.9)
    shown, _, estimate = run_adaptive(sure, a, b, -2.5, seed=3, rng=rng)
    assert len(shown) < 30
    assert estimate.se > 0.1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_items": 0},
        {"min_items": 10, "max_items": 5},
        {"target_se": 0},
        {"level_confidence": 0.4},
        {"randomesque": 0},
    ],
)
def test_adaptive_rule_refuses_settings_that_cannot_work(kwargs):
    with pytest.raises(ValueError):
        irt.AdaptiveRule(**kwargs)


# --------------------------------------------------------------------- exposure control


def test_the_lottery_passes_over_a_refused_item_to_the_next_most_informative():
    a = np.array([1.0, 2.0, 2.0, 0.5])
    b = np.array([0.0, 0.0, 3.0, 0.0])
    rng = np.random.default_rng(0)
    refused_best = [True, False, True, True]
    assert irt.select_item(0.0, a, b, [], rng=rng, eligible=refused_best) == 0
    assert irt.select_item(0.0, a, b, [0], rng=rng, eligible=refused_best) == 3
    # Everything left refused: the choice stands, so the section still reaches its minimum.
    assert irt.select_item(0.0, a, b, [0, 2, 3], rng=rng, eligible=refused_best) == 1


def test_each_item_wins_its_lottery_with_its_probability():
    k = np.array([0.0, 0.25, 0.6, 1.0])
    wins = np.mean([irt.exposure_lottery(k, seed) for seed in range(4000)], axis=0)
    assert wins[0] == 0 and wins[3] == 1
    assert wins[1:3] == pytest.approx([0.25, 0.6], abs=0.025)  # 3 SDs of 4000 draws


@pytest.mark.parametrize("k", [[0.5, 1.5], [0.5, -0.1], [0.5, float("nan")], [[0.5, 0.5]]])
def test_the_lottery_refuses_exposure_parameters_outside_zero_one(k):
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        irt.exposure_lottery(k, 0)


def test_with_every_k_one_the_draw_is_the_one_without_exposure_control():
    rng = np.random.default_rng(4)
    levels, a, b = simulated_bank(40, rng)
    cuts = irt.level_cut_points(a, b, levels)
    rule = irt.AdaptiveRule(min_items=6, max_items=6)
    for seed in range(20):
        plain = irt.adaptive_run(rule, a, b, cuts, lambda j: j % 2, seed=seed)
        ones = irt.adaptive_run(rule, a, b, cuts, lambda j: j % 2, seed=seed, exposure=[1] * 40)
        assert plain.administered == ones.administered


def test_a_replay_with_exposure_control_gives_the_same_items():
    rng = np.random.default_rng(5)
    levels, a, b = simulated_bank(40, rng)
    cuts = irt.level_cut_points(a, b, levels)
    rule = irt.AdaptiveRule(min_items=8, max_items=8)
    k = np.where(np.arange(40) % 3 == 0, 0.2, 1.0)
    run = irt.adaptive_run(rule, a, b, cuts, lambda j: float(j % 2), seed=11, exposure=k)
    for step, item in enumerate(run.administered):
        again, _ = irt.next_adaptive_item(
            rule, a, b, run.administered[:step], run.scores[:step], cuts, 11, exposure=k
        )
        assert again == item


def _simulated_exposure(rule, a, b, cuts, levels, exposure, candidates, seed):
    """Share of a fresh simulated population shown each item, and its level accuracy."""
    rng = np.random.default_rng(seed)
    shown = np.zeros(a.size)
    right = 0
    for i, theta in enumerate(rng.normal(0, 1, candidates)):
        run = irt.adaptive_run(
            rule, a, b, cuts,
            lambda j, t=theta: float(rng.random() < irt.probability(t, a[j], b[j])),
            seed=seed * 1000 + i, exposure=exposure,
        )  # fmt: skip
        shown[run.administered] += 1
        right += irt.classify(run.estimate.theta, cuts) == irt.classify(theta, cuts)
    return shown / candidates, right / candidates


def test_sympson_hetter_converges_and_caps_exposure_without_costing_accuracy():
    rng = np.random.default_rng(7)
    levels, a, b = simulated_bank(60, rng)
    cuts = irt.level_cut_points(a, b, levels)
    rule = irt.AdaptiveRule(min_items=5, max_items=10, randomesque=1)
    # 1,000 fitting candidates: with 300 the k carried their own sampling noise (about
    # 0.025 on a share near 0.25) on top of the check's below.
    control = sympson_hetter(rule, a, b, cuts, target=0.25, candidates=1000, seed=1)
    assert control.converged and control.iterations < 30
    assert control.exposure.max() <= 0.25 + control.tolerance
    assert np.all((control.k > 0) & (control.k <= 1)) and control.k.min() < 0.5

    # A population the k were not fitted on: the cap holds up to its sampling noise
    # (2 SDs of a share near 0.25 among 600 candidates is 0.035), and the test without
    # the control shows the most informative items to most candidates.
    plain, plain_accuracy = _simulated_exposure(rule, a, b, cuts, levels, None, 600, 2)
    capped, capped_accuracy = _simulated_exposure(rule, a, b, cuts, levels, control.k, 600, 2)
    assert plain.max() > 0.5
    assert capped.max() <= 0.25 + control.tolerance + 0.035
    assert capped_accuracy >= plain_accuracy - 0.05
    assert (capped > 0).sum() > (plain > 0).sum()  # more of the pool is used


def test_sympson_hetter_refuses_settings_that_cannot_work():
    a, b = np.ones(5), np.zeros(5)
    for kwargs in ({"target": 0}, {"target": 1.5}, {"candidates": 0}, {"tolerance": -1}):
        with pytest.raises(ValueError):
            sympson_hetter(irt.AdaptiveRule(), a, b, (0, 1), **kwargs)


def test_sympson_hetter_says_when_the_pool_is_too_small_for_the_target():
    a, b = np.ones(12), np.zeros(12)
    with pytest.raises(ValueError, match="a pool of 12 items .* needs 20"):
        sympson_hetter(irt.AdaptiveRule(min_items=5), a, b, (0, 1), target=0.25)
    # Long enough for the minimum, not for the tests candidates really take (all 10 here).
    rule = irt.AdaptiveRule(min_items=5, max_items=10, target_se=0.01, level_confidence=None)
    a, b = np.ones(30), np.zeros(30)
    with pytest.raises(ValueError, match="take 10.0 on average; it needs 40"):
        sympson_hetter(rule, a, b, (0, 1), target=0.25, candidates=20)
