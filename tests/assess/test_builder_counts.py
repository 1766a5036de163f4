"""The builder counts what a random draw can really hold: at most one question of an
exclusion group (quizzes.draws), none of a group already picked into the test."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assess.hiring.selectors import assessment_summary
from assess.models import Section
from quizzes.models import Question
from tests.assess import factories
from tests.support.population import SimulatedItem, make_items


@pytest.fixture
def grouped(db):
    """Eight single-choice questions in five groups: {q-00, q-01, q-02}, {q-03, q-04}, and
    three alone."""
    make_items([SimulatedItem(f"q-{n:02d}", 1.0, 0.0, 10.0) for n in range(8)])
    Question.objects.filter(key="q-00").update(excludes=["q-01"])
    Question.objects.filter(key="q-02").update(excludes=["q-01"])
    Question.objects.filter(key="q-04").update(excludes=["q-03"])
    return {q.key: q for q in Question.objects.all()}


def test_a_draw_larger_than_the_distinct_groups_is_refused(client, recruiter, org, grouped):
    assessment = factories.make_assessment(org, [], minutes=60)
    section = assessment.sections.get()
    url = reverse("org:section_change", args=["acme", assessment.pk, section.pk, "draw"])
    page = client.post(
        url, {"draw_count": 6, "draw_kind": "", "draw_level": "", "draw_topic": ""}, follow=True
    ).content.decode()
    assert "The bank has 5 questions that fit these filters; 6 cannot be drawn." in page
    client.post(url, {"draw_count": 5, "draw_kind": "", "draw_level": "", "draw_topic": ""})
    section.refresh_from_db()
    assert section.draw_count == 5


def test_the_summary_counts_one_question_per_group_and_none_of_a_picked_group(org, grouped):
    assessment = factories.make_assessment(org, [grouped["q-03"]], minutes=60)
    Section.objects.create(assessment=assessment, title="Drawn", position=1, draw_count=8)
    summary = assessment_summary(assessment)
    # q-04 shares q-03's group; the rest: {q-00, q-01, q-02}, q-05, q-06, q-07.
    assert (summary.picked, summary.drawn, summary.length) == (1, 4, 5)
    assert summary.short_draws == ["Drawn: asks for 8 random questions, the bank has 4 that fit"]
