"""Freezing a question for one attempt: what the candidate sees is fixed when it is drawn."""

from __future__ import annotations

from quizzes.models import CHOICE_KINDS, Kind, QuestionVersion
from quizzes.questions import choice_order, numeric_values

from .models import Answer, Attempt


def answer_frozen(
    attempt: Attempt, position: int, section, version: QuestionVersion, seed: int
) -> Answer:
    """An unsaved Answer holding the question as this candidate gets it: its exact version,
    a seed, the order its choices are shown in and the numeric values drawn."""
    kind = version.content["kind"]
    order = None
    if kind in CHOICE_KINDS:
        order = (
            choice_order(version, seed)
            if attempt.assessment.shuffle_choices
            else list(range(len(version.content["choices"])))
        )
    return Answer(
        attempt=attempt,
        position=position,
        section_position=section.position,
        section_title=section.title,
        question_version=version,
        seed=seed,
        choice_order=order,
        drawn_values=numeric_values(version, seed) if kind == Kind.NUMERIC else None,
    )
