"""A simulated population: a bank of questions with known 2PL parameters, one assessment,
and candidates who start it through the real draw, answer as the model says, report time
per question, and submit."""

import random
import secrets
import textwrap
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.utils import timezone

from assess.attempts.services import attempt_start
from assess.models import (
    Answer,
    Attempt,
    AttemptStatus,
    IntegrityEvent,
    IntegrityKind,
    Invitation,
    Section,
)
from quizzes.bankfiles import question_from_yaml, save_question
from quizzes.models import Kind, Question
from quizzes.questions import numeric_values
from tests.assess import factories

from .irt import prob_correct


@dataclass
class SimulatedItem:
    key: str
    a: float  # discrimination
    b: float  # difficulty
    median_seconds: float


def _single_choice(item: SimulatedItem, n: int) -> str:
    return f"""
        id: {item.key}
        kind: single_choice
        topic: normalization-operation
        level: mid
        prompt: Simulated question {n} about {item.key}?
        choices:
          - {{text: The keyed statement number {n}, correct: true}}
          - {{text: A distractor statement number {n}, correct: false}}
          - {{text: Another distractor number {n}, correct: false}}
        explanation: The simulated misconception behind question {n} is named here.
    """


NUMERIC_WITH_VARIANTS = """
    id: {key}
    kind: numeric
    topic: batch-running-statistics
    level: mid
    prompt: "Keras moving mean {{moving_mean}}, batch mean {{batch_mean}}, momentum {{momentum}}: the new moving mean?"
    params:
      moving_mean: {{uniform: [-1.0, 1.0], decimals: 2}}
      batch_mean: {{uniform: [2.0, 3.0], decimals: 2}}
      momentum: {{choice: [0.9, 0.99]}}
    answer: {{quantity: keras_moving_mean_update}}
    tolerance: {{abs: 0.001, rel: 0.001}}
    explanation: Keras weights the old estimate by momentum and the new batch by 1 - momentum.
"""


def make_items(items: list[SimulatedItem], numeric_keys: tuple[str, ...] = ()) -> None:
    topics = factories.make_topics()
    for n, item in enumerate(items):
        text = (
            NUMERIC_WITH_VARIANTS.format(key=item.key)
            if item.key in numeric_keys
            else _single_choice(item, n)
        )
        bank_item = question_from_yaml(textwrap.dedent(text))
        save_question(bank_item, topics[bank_item.topic])


def _answers_for_fixed_form(assessment, questions, candidates: int, now) -> list[list[Answer]]:
    """Every candidate gets every question, frozen as `attempt_start` would freeze them
    (version, seed, drawn values), written in bulk: hundreds of candidates stay fast."""
    invitations = Invitation.objects.bulk_create(
        Invitation(
            organization=assessment.organization,
            assessment=assessment,
            candidate_name=f"Candidate {c:04d}",
            candidate_email=f"candidate{c:04d}@example.com",
            token_hash=secrets.token_hex(32),
            expires_at=now + timedelta(days=7),
        )
        for c in range(candidates)
    )
    attempts = Attempt.objects.bulk_create(
        Attempt(
            organization=assessment.organization,
            invitation=invitation,
            assessment=assessment,
            started_at=now,
            deadline=now + timedelta(minutes=assessment.time_limit_minutes),
        )
        for invitation in invitations
    )
    versions = [q.latest_version for q in questions]
    return [
        [
            Answer(
                attempt=attempt,
                position=position,
                section_position=0,
                section_title="Core",
                question_version=version,
                seed=(seed := random.Random(attempt.pk * 1000 + position).randrange(2**31)),
                drawn_values=numeric_values(version, seed)
                if version.kind == Kind.NUMERIC
                else None,
            )
            for position, version in enumerate(versions)
        ]
        for attempt in attempts
    ]


def simulate_attempts(
    items: list[SimulatedItem],
    candidates: int,
    rng: np.random.Generator,
    *,
    draw_count: int | None = None,
    title: str = "Simulated screen",
    numeric_keys: tuple[str, ...] = (),
):
    """Create the items, an assessment, and `candidates` submitted attempts scored by the
    2PL model; returns the assessment. With `draw_count`, the section draws that many
    questions per candidate through the real `attempt_start`; otherwise every candidate
    gets every item."""
    make_items(items, numeric_keys)
    org = factories.make_org("simulated")
    questions = list(
        Question.objects.filter(key__in=[i.key for i in items])
        .select_related("latest_version")
        .order_by("key")
    )
    assessment = factories.make_assessment(org, [] if draw_count else questions)
    assessment.title = title
    assessment.save(update_fields=["title"])
    now = timezone.now()
    if draw_count:
        Section.objects.filter(assessment=assessment).update(draw_count=draw_count)
        forms = []
        for c in range(candidates):
            invitation, _ = factories.make_invitation(assessment, name=f"Candidate {c:04d}")
            forms.append(list(attempt_start(invitation).answers.all()))
    else:
        forms = _answers_for_fixed_form(assessment, questions, candidates, now)
    key_of_version = {q.latest_version_id: q.key for q in questions}
    by_key = {item.key: item for item in items}
    index = {item.key: n for n, item in enumerate(items)}
    a = np.array([i.a for i in items])
    b = np.array([i.b for i in items])
    p = prob_correct(rng.standard_normal(len(forms)), a, b)
    events = []
    for row, answers in enumerate(forms):
        for answer in answers:
            key = key_of_version[answer.question_version_id]
            right = bool(rng.random() < p[row, index[key]])
            answer.score, answer.correct = float(right), right
            answer.scored_at, answer.scored_by = now, "simulated"
            seconds = by_key[key].median_seconds * np.exp(0.3 * rng.standard_normal())
            events.append(
                IntegrityEvent(
                    attempt_id=answer.attempt_id,
                    kind=IntegrityKind.QUESTION_TIME,
                    position=answer.position,
                    amount=int(seconds * 1000),
                )
            )
    flat = [answer for answers in forms for answer in answers]
    if draw_count:  # stored by attempt_start: two updates instead of one per answer
        for right in (True, False):
            Answer.objects.filter(pk__in=[x.pk for x in flat if x.correct is right]).update(
                score=float(right), correct=right, scored_at=now, scored_by="simulated"
            )
    else:
        Answer.objects.bulk_create(flat, batch_size=500)
    IntegrityEvent.objects.bulk_create(events, batch_size=500)
    Attempt.objects.filter(assessment=assessment).update(
        status=AttemptStatus.SUBMITTED, submitted_at=now
    )
    return assessment


def default_items() -> list[SimulatedItem]:
    """Ten ordinary items, one that discriminates the wrong way, one nearly everyone gets."""
    discriminations = np.linspace(0.6, 2.2, 10)
    difficulties = np.tile([-1.0, -0.3, 0.3, 1.0, 0.0], 2)
    items = [
        SimulatedItem(f"sim-item-{n:02d}", float(a), float(b), 20.0 + 5 * n)
        for n, (a, b) in enumerate(zip(discriminations, difficulties, strict=True))
    ]
    items.append(SimulatedItem("sim-reversed", -1.5, 0.0, 30.0))
    items.append(SimulatedItem("sim-giveaway", 1.0, -4.5, 8.0))
    return items
