"""Builders for the assessment flow's tests: a small bank (through the bank's own
validation), an organization, an assessment, invitations, and candidates' code."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from assess.hiring.invitations import invitation_create
from assess.hiring.services import section_set_picks
from assess.models import Assessment, Invitation, Organization, Section
from quizzes.bankfiles import question_from_yaml, save_question
from quizzes.models import Question, Topic

TOPICS = (
    ("normalization-operation", "The normalization operation"),
    ("batch-running-statistics", "Batch and running statistics"),
    ("alternatives", "Alternatives to batch norm"),
)

QUESTIONS = {
    "single": """
        id: t-single
        kind: single_choice
        topic: normalization-operation
        level: junior
        prompt: Why is epsilon added to the variance?
        choices:
          - {text: To avoid dividing by zero when a channel is constant, correct: true}
          - {text: To make training converge faster, correct: false}
          - {text: To make the variance unbiased, correct: false}
        explanation: A constant channel has zero variance.
    """,
    "multiple": """
        id: t-multiple
        kind: multiple_choice
        topic: batch-running-statistics
        level: mid
        prompt: Which of these does batch norm keep as buffers (not parameters)?
        choices:
          - {text: The running mean, correct: true}
          - {text: The running variance, correct: true}
          - {text: The scale gamma, correct: false}
          - {text: The shift beta, correct: false}
        explanation: gamma and beta are learned; the running statistics are buffers.
    """,
    "numeric": """
        id: t-numeric
        kind: numeric
        topic: normalization-operation
        level: junior
        prompt: "Batch x = [{x1}, {x2}, {x3}, {x4}], gamma = {gamma}, beta = {beta}: the output for {x1}?"
        params:
          x1: {uniform: [-3.0, -2.0], decimals: 1}
          x2: {uniform: [1.0, 2.5], decimals: 1}
          x3: {uniform: [-1.0, 0.5], decimals: 1}
          x4: {uniform: [2.5, 4.0], decimals: 1}
          gamma: {uniform: [1.2, 2.5], decimals: 2}
          beta: {uniform: [-1.0, -0.1], decimals: 2}
        answer: {quantity: bn_train_output}
        tolerance: {abs: 0.005, rel: 0.002}
        answer_decimals: 4
        explanation: Normalize with the biased variance, then scale and shift.
    """,
    "written": """
        id: t-written
        kind: written
        topic: batch-running-statistics
        level: senior
        prompt: Explain why a model fine-tuned with batch size 2 can degrade.
        expected_answer: Batch statistics from two samples are noisy and the running estimates drift.
        rubric:
          - {points: 2, criterion: Names the noise of tiny-batch statistics}
          - {points: 1, criterion: Mentions freezing the statistics or switching norm}
        recruiter_signal: Understands the small-batch failure mode.
        max_words: 40
        explanation: Tiny batches make the statistics noisy.
    """,
    "coding": """
        id: t-coding
        kind: coding
        topic: alternatives
        level: junior
        problem: layernorm-forward
        prompt: Implement layer normalization over the trailing dimensions.
        explanation: Statistics per sample over the normalized dimensions.
    """,
}

# One correct solution for the whole suite: the grader's own accepted submission.
GOOD_LAYERNORM = (
    Path(__file__).resolve().parents[1]
    / "grader"
    / "submissions"
    / "correct"
    / "layernorm_forward.py"
).read_text()
# Epsilon outside the square root: close, but wrong.
WRONG_LAYERNORM = GOOD_LAYERNORM.replace("np.sqrt(var + eps)", "(np.sqrt(var) + eps)")
# A typo in a helper: a NameError raised on line 5 (in _stats), called from line 9.
HELPER_RAISES_LAYERNORM = """import numpy as np


def _stats(x):
    return x.mean(axis=-1, keepdims=True), x.var(axis=axez, keepdims=True)


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    mean, var = _stats(x)
    return (x - mean) / np.sqrt(var + eps)
"""


def make_topics() -> dict[str, Topic]:
    for position, (slug, title) in enumerate(TOPICS):
        Topic.objects.update_or_create(slug=slug, defaults={"title": title, "position": position})
    return {t.slug: t for t in Topic.objects.all()}


def make_question(name: str) -> Question:
    topics = make_topics()
    item = question_from_yaml(textwrap.dedent(QUESTIONS[name]))
    question, _, _ = save_question(item, topics[item.topic])
    question.refresh_from_db()
    return question


def make_bank(*names: str) -> dict[str, Question]:
    return {name: make_question(name) for name in (names or tuple(QUESTIONS))}


def make_choice_questions(n: int = 18) -> list[Question]:
    """n single-choice questions on one topic, junior / mid / senior in turn, for adaptive
    sections; the bank's first choice is always the right one ("Right i")."""
    topics = make_topics()
    questions = []
    for i in range(n):
        level = ("junior", "mid", "senior")[i % 3]
        item = question_from_yaml(
            textwrap.dedent(
                f"""
                id: ad-{i:02d}
                kind: single_choice
                topic: normalization-operation
                level: {level}
                prompt: Adaptive question {i}?
                explanation: Because {i}.
                choices:
                  - text: Right {i}
                    correct: true
                  - text: Wrong {i}
                    correct: false
                """
            )
        )
        question, _, _ = save_question(item, topics[item.topic])
        questions.append(question)
    return questions


def make_org(slug: str = "acme") -> Organization:
    return Organization.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]


def make_assessment(
    org: Organization,
    questions: list[Question],
    *,
    minutes: int = 30,
    pass_mark: int = 60,
    shuffle: bool = False,
) -> Assessment:
    assessment = Assessment.objects.create(
        organization=org,
        title="Normalization screen",
        instructions="Answer **every** question.",
        time_limit_minutes=minutes,
        pass_mark=pass_mark,
        shuffle_questions=shuffle,
        shuffle_choices=shuffle,
    )
    section = Section.objects.create(assessment=assessment, title="Core", position=0)
    section_set_picks(section, questions)
    return assessment


def make_invitation(
    assessment: Assessment, *, name: str = "Ada Lovelace", expires_in: timedelta = timedelta(days=7)
) -> tuple[Invitation, str]:
    return invitation_create(
        assessment,
        candidate_name=name,
        candidate_email=f"{name.split()[0].lower()}@example.com",
        expires_at=timezone.now() + expires_in,
    )
