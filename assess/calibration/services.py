"""Fitting the bank's item parameters from scored answers, and reading the ones in use."""

from __future__ import annotations

import itertools
import logging
from dataclasses import asdict, dataclass, field

import numpy as np
from django.conf import settings
from django.db import transaction

from assess.attempts.models import Answer, AttemptStatus
from assess.hiring.models import Section
from assess.privacy.selectors import anonymous_respondent_key, anonymous_responses
from quizzes import irt, irtfit
from quizzes.exposure import sympson_hetter
from quizzes.models import AUTO_SCORED_KINDS, ExposureParameters, Pool, Question

from .models import ItemCalibration, ItemParameter

logger = logging.getLogger(__name__)


def item_calibration_run() -> ItemCalibration:
    """Fit every active question from all submitted attempts' scored answers (every
    organization's: item parameters describe the bank, not a candidate) and store the
    result as the newest version, with the exposure control's parameters fitted to it.
    Questions nobody answered keep their level prior."""
    questions = list(Question.objects.filter(is_active=True).order_by("pk"))
    column = {q.pk: j for j, q in enumerate(questions)}
    rows = Answer.objects.filter(
        attempt__status=AttemptStatus.SUBMITTED,
        score__isnull=False,
        question_version__question__in=questions,
    ).values_list("attempt_id", "question_version__question_id", "score")
    # Erased candidates' scored answers stay in the fit without identity (assess.privacy).
    erased = anonymous_responses(submitted=True).filter(
        score__isnull=False, question_version__question__in=questions
    )
    erased_rows = (
        (anonymous_respondent_key(respondent), question_id, score)
        for respondent, question_id, score in erased.values_list(
            "respondent", "question_version__question_id", "score"
        )
    )
    attempts: dict[int, int] = {}
    cells = []
    for attempt_id, question_id, score in itertools.chain(rows, erased_rows):
        cells.append((attempts.setdefault(attempt_id, len(attempts)), column[question_id], score))
    scores = np.full((len(attempts), len(questions)), np.nan)
    for i, j, score in cells:
        scores[i, j] = min(max(score, 0.0), 1.0)
    levels = [q.level for q in questions]
    priors = irt.Priors()
    fit = irtfit.calibrate(scores, levels, priors)
    # The level cuts are the bank's: an organization's own questions are fitted (its
    # adaptive sections and statistics read them) but their authors' level labels never
    # move the cut points every organization's reports are read against.
    bank = [j for j, q in enumerate(questions) if q.pool != Pool.PRIVATE] or list(
        range(len(questions))
    )
    cuts = irt.level_cut_points(
        fit.discrimination[bank], fit.difficulty[bank], [levels[j] for j in bank]
    )
    # Before the transaction: the simulation takes seconds, the rows a moment.
    exposure = _exposure_control(questions, fit, cuts)
    with transaction.atomic():
        calibration = ItemCalibration.objects.create(
            candidates=len(attempts),
            responses=len(cells),
            converged=fit.converged,
            iterations=fit.iterations,
            junior_cut=cuts[0],
            mid_cut=cuts[1],
            senior_cut=cuts[2],
            priors={**asdict(priors), "difficulty_mean": dict(priors.difficulty_mean)},
        )
        ItemParameter.objects.bulk_create(
            ItemParameter(
                calibration=calibration,
                question=q,
                level=q.level,
                discrimination=float(fit.discrimination[j]),
                difficulty=float(fit.difficulty[j]),
                discrimination_se=float(fit.discrimination_se[j]),
                difficulty_se=float(fit.difficulty_se[j]),
                responses=int(fit.responses[j]),
            )
            for j, q in enumerate(questions)
        )
        if exposure is not None:
            ExposureParameters.objects.create(calibration_id=calibration.pk, **exposure)
    return calibration


def _exposure_control(
    questions: list[Question], fit: irtfit.Calibration, cuts: tuple[float, float, float]
) -> dict | None:
    """The Sympson-Hetter parameters that go with a fit, as the fields of an
    ExposureParameters row: over the bank's adaptive-ready questions, for an adaptive
    section with the builder's default settings, capped at
    settings.ASSESS_ADAPTIVE_MAX_EXPOSURE. None when the cap is 1 (no control) or the pool
    is too small to keep every question under it (randomesque alone then)."""
    target = settings.ASSESS_ADAPTIVE_MAX_EXPOSURE
    # What an adaptive section of any organization may draw: the bank's, not one
    # organization's library (k defaults to 1 for a question outside the simulation).
    pool = [
        j for j, q in enumerate(questions) if q.kind in AUTO_SCORED_KINDS and q.pool != Pool.PRIVATE
    ]
    if target >= 1 or not pool:
        return None
    candidates = settings.ASSESS_ADAPTIVE_EXPOSURE_CANDIDATES
    try:
        control = sympson_hetter(
            Section().adaptive_rule(),
            fit.discrimination[pool],
            fit.difficulty[pool],
            cuts,
            target=target,
            candidates=candidates,
        )
    except ValueError as exc:
        logger.warning("no exposure control with this calibration: %s", exc)
        return None
    return {
        "target": control.target,
        "tolerance": control.tolerance,
        "k": {str(questions[j].pk): float(k) for j, k in zip(pool, control.k, strict=True)},
        "simulated_candidates": candidates,
        "simulated_max_exposure": float(control.exposure.max()),
        "iterations": control.iterations,
        "converged": control.converged,
    }


# A question counts as calibrated (its difficulty measured, not assumed from its level)
# once this many candidates answered it in the fit in use: its difficulty's SE is then
# about 0.3 or less on our simulated banks (docs/scoring.md).
CALIBRATED_MIN_RESPONSES = 50


@dataclass(frozen=True)
class ItemParameters:
    """Parameters for some questions and the cut points that go with them."""

    discrimination: dict[int, float]  # by question id
    difficulty: dict[int, float]
    cuts: tuple[float, float, float]  # junior, mid, senior
    calibration_id: int | None  # None: the level priors, no calibration yet
    # How uncertain each difficulty is (the fit's SE; the prior's SD for a question the fit
    # did not cover), by question id.
    difficulty_sd: dict[int, float] = field(default_factory=dict)
    # The questions answered by at least CALIBRATED_MIN_RESPONSES candidates in the fit.
    calibrated: frozenset[int] = frozenset()
    # Sympson-Hetter k by question id, 1 for a question fitted without; None: no control.
    exposure: dict[int, float] | None = None
    max_exposure: float | None = None  # the control's target r_max

    def calibrated_for(self, questions) -> bool:
        """Whether every one of `questions` has a measured difficulty."""
        return all(q.pk in self.calibrated for q in questions)


def item_parameters(questions: list[Question]) -> ItemParameters:
    """The newest calibration's parameters for `questions`; a question it does not cover
    (added since) gets its level's prior, as does everything before the first fit."""
    priors = irt.Priors()
    prior_a = float(np.exp(priors.log_discrimination_mean))
    a = {q.pk: prior_a for q in questions}
    b = {q.pk: priors.difficulty_mean[q.level] for q in questions}
    b_sd = {q.pk: priors.difficulty_sd for q in questions}
    calibration = ItemCalibration.objects.order_by("-pk").first()
    if calibration is None:
        cuts = irt.level_cut_points(
            [a[q.pk] for q in questions], [b[q.pk] for q in questions], [q.level for q in questions]
        )
        return ItemParameters(a, b, cuts, None, b_sd)
    calibrated = set()
    fitted = ItemParameter.objects.filter(calibration=calibration, question__in=questions)
    for param in fitted.values(
        "question_id", "discrimination", "difficulty", "difficulty_se", "responses"
    ):
        question = param["question_id"]
        a[question] = param["discrimination"]
        b[question] = param["difficulty"]
        b_sd[question] = param["difficulty_se"]
        if param["responses"] >= CALIBRATED_MIN_RESPONSES:
            calibrated.add(question)
    cuts = (_junior_cut(calibration), calibration.mid_cut, calibration.senior_cut)
    common = {"difficulty_sd": b_sd, "calibrated": frozenset(calibrated)}
    # One that did not converge may hold every question back: randomesque alone then.
    control = ExposureParameters.objects.filter(
        calibration_id=calibration.pk, converged=True
    ).first()
    if control is None:
        return ItemParameters(a, b, cuts, calibration.pk, **common)
    k = {q.pk: float(control.k.get(str(q.pk), 1.0)) for q in questions}
    return ItemParameters(
        a, b, cuts, calibration.pk, **common, exposure=k, max_exposure=control.target
    )


def _junior_cut(calibration: ItemCalibration) -> float:
    """The fit's junior cut; for a fit stored before the floor level had one, computed from
    the fit's own junior parameters as calibrate_items would have (never above the mid cut)."""
    if calibration.junior_cut is not None:
        return calibration.junior_cut
    junior = list(
        calibration.items.filter(level="junior").values_list("discrimination", "difficulty")
    )
    a, b = (list(column) for column in zip(*junior, strict=True)) if junior else ([], [])
    cut = irt.level_cut_points(a, b, ["junior"] * len(a))[0]
    return min(cut, calibration.mid_cut)
