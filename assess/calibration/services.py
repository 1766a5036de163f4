"""Fitting the bank's item parameters from scored answers, and reading the ones in use."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from django.db import transaction

from assess.attempts.models import Answer, AttemptStatus
from quizzes import irt
from quizzes.models import Question

from .models import ItemCalibration, ItemParameter


def item_calibration_run() -> ItemCalibration:
    """Fit every active question from all submitted attempts' scored answers (every
    organization's: item parameters describe the bank, not a candidate) and store the
    result as the newest version. Questions nobody answered keep their level prior."""
    questions = list(Question.objects.filter(is_active=True).order_by("pk"))
    column = {q.pk: j for j, q in enumerate(questions)}
    rows = Answer.objects.filter(
        attempt__status=AttemptStatus.SUBMITTED,
        score__isnull=False,
        question_version__question__in=questions,
    ).values_list("attempt_id", "question_version__question_id", "score")
    attempts: dict[int, int] = {}
    cells = []
    for attempt_id, question_id, score in rows:
        cells.append((attempts.setdefault(attempt_id, len(attempts)), column[question_id], score))
    scores = np.full((len(attempts), len(questions)), np.nan)
    for i, j, score in cells:
        scores[i, j] = min(max(score, 0.0), 1.0)
    levels = [q.level for q in questions]
    priors = irt.Priors()
    fit = irt.calibrate(scores, levels, priors)
    mid_cut, senior_cut = irt.level_cut_points(fit.discrimination, fit.difficulty, levels)
    with transaction.atomic():
        calibration = ItemCalibration.objects.create(
            candidates=len(attempts),
            responses=len(cells),
            converged=fit.converged,
            iterations=fit.iterations,
            mid_cut=mid_cut,
            senior_cut=senior_cut,
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
    return calibration


@dataclass(frozen=True)
class ItemParameters:
    """Parameters for some questions and the cut points that go with them."""

    discrimination: dict[int, float]  # by question id
    difficulty: dict[int, float]
    cuts: tuple[float, float]
    calibration_id: int | None  # None: the level priors, no calibration yet


def item_parameters(questions: list[Question]) -> ItemParameters:
    """The newest calibration's parameters for `questions`; a question it does not cover
    (added since) gets its level's prior, as does everything before the first fit."""
    priors = irt.Priors()
    prior_a = float(np.exp(priors.log_discrimination_mean))
    a = {q.pk: prior_a for q in questions}
    b = {q.pk: priors.difficulty_mean[q.level] for q in questions}
    calibration = ItemCalibration.objects.order_by("-pk").first()
    if calibration is None:
        cuts = irt.level_cut_points(
            [a[q.pk] for q in questions], [b[q.pk] for q in questions], [q.level for q in questions]
        )
        return ItemParameters(a, b, cuts, None)
    fitted = ItemParameter.objects.filter(calibration=calibration, question__in=questions)
    for param in fitted.values("question_id", "discrimination", "difficulty"):
        a[param["question_id"]] = param["discrimination"]
        b[param["question_id"]] = param["difficulty"]
    return ItemParameters(a, b, (calibration.mid_cut, calibration.senior_cut), calibration.pk)
