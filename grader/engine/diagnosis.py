"""Which known mistake explains a wrong answer: normcore's catalog, run on the same inputs."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from grader.engine.checks import matches
from grader.engine.problems import Case, Problem
from grader.engine.problems.base import reference_impl

logger = logging.getLogger(__name__)

NO_MATCH = "no known mistake matches"

_predictions: dict[tuple[str, str, int], dict[str, np.ndarray] | None] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Diagnosis:
    slug: str | None
    title: str | None
    explanation: str

    def to_dict(self) -> dict:
        if self.slug is None:
            return {"slug": None, "explanation": self.explanation}
        return {"slug": self.slug, "title": self.title, "explanation": self.explanation}


NONE = Diagnosis(None, None, NO_MATCH)


def candidate_mistakes(problem: Problem) -> list:
    from normcore import mistakes

    found = []
    for function in problem.uses:
        found += [m for m in mistakes.mistakes_for(function) if m not in found]
    return found


def _prediction(problem: Problem, mistake, case: Case) -> dict[str, np.ndarray] | None:
    """What the mistaken implementation returns on ``case`` (cached; None if it fails)."""
    key = (problem.slug, mistake.slug, id(case))
    with _lock:
        if key in _predictions:
            return _predictions[key]
    try:
        impl = reference_impl(problem.uses, **{mistake.applies_to: mistake.fn})
        predicted = {k: np.asarray(v) for k, v in problem.solve(case, impl).items()}
    except Exception:  # a mistake may not apply to every input (e.g. shapes it rejects)
        predicted = None
    with _lock:
        _predictions[key] = predicted
    return predicted


def diagnose(
    problem: Problem, cases: list[Case], outputs: dict[int, dict[str, np.ndarray]]
) -> Diagnosis:
    """The first catalog mistake that reproduces every output the candidate returned.

    ``outputs`` maps a case's index to the arrays the candidate returned for it (cases
    that raised are absent). A mistake matches when, on every case it can be run on, its
    outputs agree with the candidate's within (loosened) tolerance, and it differs from
    the reference somewhere: a mistake that changes nothing on these inputs explains nothing.
    """
    try:
        catalog = candidate_mistakes(problem)
    except Exception:  # the catalog is optional to grading; a broken one is logged
        logger.exception("normcore.mistakes is unavailable")
        return NONE
    for mistake in catalog:
        compared = 0
        differs = False
        agreed = True
        for index, case in enumerate(cases):
            got = outputs.get(index)
            if case.expect_error or got is None:
                continue
            predicted = _prediction(problem, mistake, case)
            if predicted is None:
                continue
            expected = problem.expected(case)
            compared += 1
            for name in case.outputs:
                if name not in predicted:
                    continue
                if not matches(got.get(name), predicted[name], case.dtype, case.tolerance):
                    agreed = False
                    break
                if not matches(
                    predicted[name], expected[name], case.dtype, case.tolerance, slack=1.0
                ):
                    differs = True
            if not agreed:
                break
        if agreed and differs and compared:
            return Diagnosis(mistake.slug, mistake.title, mistake.explanation)
    return NONE
