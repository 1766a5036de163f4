"""The builder counts what a random draw can really hold: at most one question of an
exclusion group (quizzes.draws), none of a group already picked into the test, none the
random draws of the sections before it may have taken."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from assess.hiring.draws import assessment_questions
from assess.hiring.selectors import assessment_summary
from assess.hiring.services import section_set_picks
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


def test_two_draws_from_one_pool_cannot_ask_more_than_its_distinct_groups(
    client, recruiter, org, grouped
):
    """3 + 3 random questions from the same five groups: the second draw may find only 2,
    so the test cannot be sent (the builder says so, and the invitation is refused)."""
    assessment = factories.make_assessment(org, [], minutes=60)
    first = assessment.sections.get()
    Section.objects.filter(pk=first.pk).update(title="Warm-up", draw_count=3)
    Section.objects.create(assessment=assessment, title="Main", position=1, draw_count=3)
    summary = assessment_summary(assessment)
    assert summary.short_draws == [
        "Main: asks for 3 random questions, the bank has 5 that fit but the random draws of "
        "the sections before it can take 3 of them, leaving 2"
    ]
    assert (summary.drawn, summary.length) == (5, 5)
    page = client.post(
        reverse("org:invitations", args=["acme", assessment.pk]),
        {"candidate_name": "Ada Lovelace", "candidate_email": "ada@example.com", "days": 7},
    )
    assert page.status_code == 400
    shown = page.content.decode()
    # Said once, with the reason, where the invite forms are.
    assert shown.count("This assessment cannot be sent yet") == 1
    assert "<li>Main: asks for 3 random questions" in shown
    assert not assessment.invitations.exists()


def test_two_draws_that_fit_together_are_sendable_and_every_attempt_gets_them_all(org, grouped):
    """3 + 2 of five groups: whatever the first draw takes, the second finds its two."""
    assessment = factories.make_assessment(org, [], minutes=60)
    Section.objects.filter(assessment=assessment).update(draw_count=3)
    Section.objects.create(assessment=assessment, title="Main", position=1, draw_count=2)
    assert assessment_summary(assessment).problems == []
    for seed in range(20):
        questions = assessment_questions(assessment, random.Random(seed))
        assert len(questions) == 5
        assert len({version.question_id for _, version in questions}) == 5


def test_a_question_picked_into_a_later_section_is_not_counted_for_an_earlier_draw(org, grouped):
    """attempt_start keeps every picked question out of every draw: five groups, q-05
    picked into the second section, so the first section's draw has four."""
    assessment = factories.make_assessment(org, [], minutes=60)
    Section.objects.filter(assessment=assessment).update(title="Drawn", draw_count=5)
    later = Section.objects.create(assessment=assessment, title="Picked", position=1)
    section_set_picks(later, [grouped["q-05"]])
    summary = assessment_summary(assessment)
    assert summary.short_draws == ["Drawn: asks for 5 random questions, the bank has 4 that fit"]
    assert (summary.picked, summary.drawn) == (1, 4)
