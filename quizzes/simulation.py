"""Simulated candidates over the bank's items: how well fixed forms and an adaptive section
classify known abilities into junior / mid / senior, and with how many items.

The loop a real deployment goes through, with known truth: items get true parameters
around their level, a first population of candidates takes fixed forms, the bank is
calibrated from those responses (with the level priors), and new candidates of known
ability take fixed forms of several lengths and the adaptive section scored with the
calibrated parameters. Their true level comes from their true ability and the cut points
of the true parameters. NumPy only (quizzes.irt), so it runs without a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from . import irt, irtfit
from .exposure import sympson_hetter

# Ability percent rule of docs/scoring.md, applied to a fixed form for comparison.
PERCENT_BAR = 0.6


@dataclass(frozen=True)
class SimulationRow:
    test: str
    accuracy: float  # share of candidates whose estimated level is their true level
    mean_items: float
    max_exposure: float  # largest share of candidates shown any one item
    pool_used: float  # share of the pool's items shown to at least one candidate
    percent_rule_accuracy: float | None = None  # today's raw-percent rule on the same form


@dataclass(frozen=True)
class SimulationReport:
    rows: list[SimulationRow]
    pool: int
    candidates: int
    calibration_candidates: int
    calibration_difficulty_rmse: float
    true_level_shares: dict[str, float]

    def table(self) -> str:
        lines = [
            f"{'test':<36} {'accuracy':>9} {'mean items':>11} {'max exposure':>13} "
            f"{'pool used':>10} {'percent rule':>13}",
        ]
        for row in self.rows:
            rule = "" if row.percent_rule_accuracy is None else f"{row.percent_rule_accuracy:.1%}"
            lines.append(
                f"{row.test:<36} {row.accuracy:>9.1%} {row.mean_items:>11.1f} "
                f"{row.max_exposure:>13.1%} {row.pool_used:>10.0%} {rule:>13}"
            )
        shares = ", ".join(f"{lv} {share:.0%}" for lv, share in self.true_level_shares.items())
        lines.append("")
        lines.append(
            f"pool {self.pool} items; {self.candidates} simulated candidates (true levels: "
            f"{shares}); calibrated from {self.calibration_candidates} earlier candidates "
            f"(difficulty RMSE {self.calibration_difficulty_rmse:.2f})"
        )
        return "\n".join(lines)


def true_parameters(levels: Sequence[str], rng: np.random.Generator):
    """Plausible true item parameters: difficulty around the level's prior mean with a
    spread narrower than the prior's (labels are informative but imperfect), and
    discriminations around 1.1 (logistic scale), as items written for a level tend to be."""
    centres = np.array([irt.Priors().difficulty_mean[lv] for lv in levels])
    b = centres + rng.normal(0.0, 0.75, len(levels))
    a = np.exp(rng.normal(0.1, 0.3, len(levels)))
    return a, b


def _answer(theta: np.ndarray, a: np.ndarray, b: np.ndarray, rng) -> np.ndarray:
    return (
        rng.random(np.broadcast_shapes(theta.shape, a.shape)) < irt.probability(theta, a, b)
    ).astype(float)


def stratified_form(levels: np.ndarray, length: int, rng) -> np.ndarray:
    """A fixed form as a recruiter builds one: the same number of items from each level."""
    picked = []
    for i, level in enumerate(irt.LEVELS):
        want = length // 3 + (1 if i < length % 3 else 0)
        mine = np.flatnonzero(levels == level)
        picked.extend(rng.choice(mine, min(want, mine.size), replace=False))
    return np.array(sorted(picked))


def percent_rule(scores: np.ndarray, levels: np.ndarray) -> str:
    """docs/scoring.md's ladder: a level is reached at 60 % on it and every easier level;
    below, not yet junior (junior for a form without junior items)."""
    estimate = "not_yet_junior" if (levels == "junior").any() else "junior"
    for level in irt.LEVELS:
        mine = levels == level
        if not mine.any():
            continue
        if scores[mine].mean() >= PERCENT_BAR:
            estimate = level
        else:
            break
    return estimate


def simulate(
    levels: Sequence[str],
    *,
    rule: irt.AdaptiveRule,
    fixed_lengths: Sequence[int] = (10, 20, 30),
    candidates: int = 2000,
    calibration_candidates: int = 1000,
    calibration_form: int = 30,
    seed: int = 0,
    max_exposure: float | None = None,
    exposure_candidates: int = 2000,
) -> SimulationReport:
    """Run the whole loop (see the module docstring) and return one row per test; with
    `max_exposure`, also the adaptive section under Sympson-Hetter exposure control."""
    levels = np.asarray(levels)
    if levels.size < max([*fixed_lengths, calibration_form]):
        raise ValueError(f"the pool has {levels.size} items, fewer than a form needs")
    rng = np.random.default_rng(seed)
    a_true, b_true = true_parameters(levels, rng)

    # Earlier candidates take stratified fixed forms; their responses calibrate the bank.
    cal_theta = rng.normal(0.0, 1.0, calibration_candidates)
    cal_scores = np.full((calibration_candidates, levels.size), np.nan)
    for i, theta in enumerate(cal_theta):
        form = stratified_form(levels, calibration_form, rng)
        cal_scores[i, form] = _answer(np.array(theta), a_true[form], b_true[form], rng)
    fit = irtfit.calibrate(cal_scores, levels)
    a_est, b_est = fit.discrimination, fit.difficulty
    rmse = float(np.sqrt(np.mean((b_est - b_true) ** 2)))

    true_cuts = irt.level_cut_points(a_true, b_true, levels)
    est_cuts = irt.level_cut_points(a_est, b_est, levels)
    theta = rng.normal(0.0, 1.0, candidates)
    truth = np.array([irt.classify(t, true_cuts) for t in theta])
    rows = []
    for length in fixed_lengths:
        form = stratified_form(levels, length, rng)
        scores = _answer(theta[:, None], a_true[form], b_true[form], rng)
        irt_levels = [
            irt.classify(irt.estimate_ability(row, a_est[form], b_est[form]).theta, est_cuts)
            for row in scores
        ]
        percent_levels = [percent_rule(row, levels[form]) for row in scores]
        rows.append(
            SimulationRow(
                test=f"fixed {length}",
                accuracy=float(np.mean(np.array(irt_levels) == truth)),
                mean_items=float(len(form)),
                max_exposure=1.0,
                pool_used=len(form) / levels.size,
                percent_rule_accuracy=float(np.mean(np.array(percent_levels) == truth)),
            )
        )

    adaptive_name = (
        f"adaptive (SE<={rule.target_se:g}, {rule.min_items}-{rule.max_items}"
        + (f", {rule.level_confidence:.0%} sure" if rule.level_confidence else "")
        + ")"
    )
    variants = [(adaptive_name, rule, None)]
    if max_exposure is not None:
        # SH on its own (the first choice is the most informative) and on top of the
        # randomesque choice; the k are fitted to the calibrated parameters, as in use.
        for name, variant in (
            (f"adaptive + SH r_max {max_exposure:g}", replace(rule, randomesque=1)),
            (f"adaptive + SH r_max {max_exposure:g}, rq {rule.randomesque}", rule),
        ):
            control = sympson_hetter(
                variant,
                a_est,
                b_est,
                est_cuts,
                target=max_exposure,
                candidates=exposure_candidates,
                seed=seed,
            )
            variants.append((name, variant, control.k))
    for name, variant, k in variants:
        # The same answer draws for every variant: the comparison between them is paired.
        answers = np.random.default_rng([seed, 2])
        shown = np.zeros(levels.size)
        lengths = []
        adaptive_levels = []
        for i, t in enumerate(theta):

            def respond(item: int, t=t, answers=answers) -> float:
                return float(answers.random() < irt.probability(t, a_true[item], b_true[item]))

            run = irt.adaptive_run(
                variant, a_est, b_est, est_cuts, respond, seed=seed * 100003 + i, exposure=k
            )
            shown[run.administered] += 1
            lengths.append(len(run.administered))
            adaptive_levels.append(irt.classify(run.estimate.theta, est_cuts))
        rows.append(
            SimulationRow(
                test=name,
                accuracy=float(np.mean(np.array(adaptive_levels) == truth)),
                mean_items=float(np.mean(lengths)),
                max_exposure=float(shown.max() / candidates),
                pool_used=float(np.mean(shown > 0)),
            )
        )
    return SimulationReport(
        rows=rows,
        pool=int(levels.size),
        candidates=candidates,
        calibration_candidates=calibration_candidates,
        calibration_difficulty_rmse=rmse,
        true_level_shares={lv: float(np.mean(truth == lv)) for lv in irt.ABILITY_LEVELS},
    )


# Stated certainty bins of the calibration table: [low, high).
CERTAINTY_BINS = ((0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95),
                  (0.95, 0.99), (0.99, 1.0001))  # fmt: skip


@dataclass(frozen=True)
class CertaintyTable:
    """How often a stated certainty is right: for each way of stating a level, the
    candidates binned by the probability the report states for the level it names, with
    the share whose true level it is, per named level."""

    title: str
    # (bin, level) -> (candidates, right); level "all" for every level together
    cells: dict[tuple[tuple[float, float], str], tuple[int, int]]
    mean_stated: dict[tuple[float, float], float]  # mean stated probability per bin

    def rows(self) -> list[str]:
        levels = [*irt.ABILITY_LEVELS, "all"]
        head = f"{'stated':<10} {'mean':>5}" + "".join(f" {lv:>16}" for lv in levels)
        lines = [self.title, head]
        for low, high in CERTAINTY_BINS:
            total, _ = self.cells.get(((low, high), "all"), (0, 0))
            if not total:
                continue
            label = f"{low:.0%}-{min(high, 1):.0%}"
            mean = self.mean_stated[(low, high)]
            line = f"{label:<10} {'>99%' if mean > 0.99 else f'{mean:.0%}':>5}"
            for lv in levels:
                n, right = self.cells.get(((low, high), lv), (0, 0))
                line += f" {(f'{right / n:.0%} of {n}' if n else '-'):>16}"
            lines.append(line)
        return lines


def certainty_tables(
    levels: Sequence[str],
    *,
    candidates: int = 4000,
    calibration_candidates: int = 1000,
    form_lengths: Sequence[int] = (5, 10, 20, 30),
    seed: int = 0,
) -> list[CertaintyTable]:
    """Simulated candidates of known level take stratified forms (their length drawn from
    `form_lengths`); each table bins them by the certainty stated for the level a report
    would name, and counts how often that level is their true one. A stated 80 % is honest
    when about 80 % of those candidates are at the level named.

    Three ways of stating: the calibrated estimate on a calibrated bank (the report's
    headline when the bank is calibrated), and on a bank still at the level priors both
    the percent rule's level (the headline then) with the probability the estimate gives
    it, and the estimate's own most probable level (in the details)."""
    levels = np.asarray(levels)
    rng = np.random.default_rng([seed, 7])
    a_true, b_true = true_parameters(levels, rng)
    cal_theta = rng.normal(0.0, 1.0, calibration_candidates)
    cal_scores = np.full((calibration_candidates, levels.size), np.nan)
    for i, theta in enumerate(cal_theta):
        form = stratified_form(levels, 30, rng)
        cal_scores[i, form] = _answer(np.array(theta), a_true[form], b_true[form], rng)
    fit = irtfit.calibrate(cal_scores, levels)
    priors = irt.Priors()
    prior_a = np.full(levels.size, float(np.exp(priors.log_discrimination_mean)))
    prior_b = np.array([priors.difficulty_mean[lv] for lv in levels])
    prior_sd = np.full(levels.size, priors.difficulty_sd)
    banks = {
        "calibrated": (fit.discrimination, fit.difficulty, fit.difficulty_se),
        "priors": (prior_a, prior_b, prior_sd),
        # The estimate as it was before: the priors' difficulties taken as exact.
        "exact": (prior_a, prior_b, np.zeros(levels.size)),
    }
    cuts = {name: irt.level_cut_points(a, b, levels) for name, (a, b, _) in banks.items()}
    true_cuts = irt.level_cut_points(a_true, b_true, levels)

    titles = {
        "calibrated": "calibrated bank: the calibrated estimate (headline)",
        "rule": "bank at the level priors: the percent rule's level (headline) and its probability",
        "priors": "bank at the level priors: the estimate's most probable level (details)",
        "exact": "bank at the level priors, difficulties taken as exact (the estimate before)",
    }
    stated: dict[str, list[tuple[float, str, bool]]] = {name: [] for name in titles}
    for _ in range(candidates):
        theta = rng.normal(0.0, 1.0)
        truth = irt.classify(theta, true_cuts)
        form = stratified_form(levels, int(rng.choice(form_lengths)), rng)
        scores = _answer(np.array(theta), a_true[form], b_true[form], rng)
        for name, (a, b, sd) in banks.items():
            estimate = irt.estimate_ability(scores, a[form], b[form], b_sd=sd[form])
            probabilities = estimate.level_probabilities(cuts[name])
            named = max(probabilities, key=probabilities.get)
            stated[name].append((probabilities[named], named, named == truth))
            if name == "priors":  # the percent rule's level, with the honest estimate's odds
                named = percent_rule(scores, levels[form])
                stated["rule"].append((probabilities[named], named, named == truth))
    tables = []
    for name, title in titles.items():
        cells: dict = {}
        sums: dict = {}
        for probability, named, right in stated[name]:
            bin_ = next(b for b in CERTAINTY_BINS if b[0] <= probability < b[1])
            for key in ((bin_, named), (bin_, "all")):
                n, r = cells.get(key, (0, 0))
                cells[key] = (n + 1, r + int(right))
            sums[bin_] = sums.get(bin_, 0.0) + probability
        mean = {b: sums[b] / cells[(b, "all")][0] for b in sums}
        tables.append(CertaintyTable(title, cells, mean))
    return tables
