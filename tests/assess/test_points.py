"""Points per question: a recruiter weighs picks (and each section's drawn questions) in the
builder; an attempt's score weighs its answers by the points frozen when it started; bad
points get a form error; the builder's summary adds them up and the report shows them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.hiring.selectors import assessment_summary
from assess.models import AttemptPoints, Section, SectionQuestion
from assess.scoring import attempt_results
from tests.assess import factories


@pytest.fixture
def two_choices(org, bank):
    """Single choice (right answer: 0) then multiple choice (right: [0, 1]), unshuffled."""
    return factories.make_assessment(org, [bank["single"], bank["multiple"]], minutes=10)


def set_points(assessment, question, points):
    SectionQuestion.objects.filter(section__assessment=assessment, question=question).update(
        points=points
    )


def take(assessment, name="Ada Lovelace"):
    """Right on the single-choice question, wrong on the multiple-choice one."""
    invitation, _ = factories.make_invitation(assessment, name=name)
    attempt = attempt_start(invitation)
    answer_save(attempt, 0, 0, 0)
    answer_save(attempt, 1, [2, 3], 0)
    attempt_submit(attempt)
    attempt.refresh_from_db()
    return attempt


def test_points_weigh_the_overall_score(two_choices, bank):
    assert take(two_choices, "Even Points").score_percent == 50.0
    set_points(two_choices, bank["single"], 3)
    weighted = take(two_choices, "Weighted")
    assert weighted.score_percent == 75.0  # 3 of 4 points
    results = attempt_results(weighted)
    assert (results.total.earned, results.total.possible, results.total.questions) == (3.0, 4, 2)


def test_the_points_of_an_attempt_are_those_when_it_started(two_choices, bank):
    set_points(two_choices, bank["single"], 3)
    invitation, _ = factories.make_invitation(two_choices)
    attempt = attempt_start(invitation)
    set_points(two_choices, bank["single"], 1)  # changed while the candidate works
    set_points(two_choices, bank["multiple"], 9)
    answer_save(attempt, 0, 0, 0)
    answer_save(attempt, 1, [2, 3], 0)
    attempt_submit(attempt)
    attempt.refresh_from_db()
    assert attempt.score_percent == 75.0


def test_an_attempt_started_before_points_existed_counts_every_question_one(two_choices, bank):
    set_points(two_choices, bank["single"], 3)
    attempt = take(two_choices)
    AttemptPoints.objects.filter(attempt=attempt).delete()  # as an attempt of before 0010
    assert attempt_results(attempt).total.percent == 50.0


def test_drawn_questions_carry_their_sections_points(org, bank):
    assessment = factories.make_assessment(org, [bank["single"]], minutes=30)
    Section.objects.create(
        assessment=assessment,
        title="Drawn",
        position=1,
        draw_count=1,
        draw_kind="multiple_choice",
        draw_points=4,
    )
    attempt = take(assessment)
    assert attempt.score_percent == 20.0  # the drawn (wrong) multiple choice: 4 of 5 points
    assert assessment_summary(assessment).points == 5


def test_the_builder_sets_points_and_adds_them_up(client, recruiter, two_choices, bank):
    section = two_choices.sections.get()
    url = reverse("org:section_change", args=["acme", two_choices.pk, section.pk, "points"])
    client.post(url, {"question": bank["single"].pk, "points": "7"})
    page = client.get(reverse("org:builder", args=["acme", two_choices.pk])).content.decode()
    assert '<dd id="summary-points">8' in page
    assert 'name="points" min="1" max="100" step="1" required value="7"' in page


@pytest.mark.parametrize("bad", ["0", "-1", "101", "abc", "9" * 5000, "NaN", "", "1\x00", "2.5"])
def test_bad_points_get_a_clear_error_and_change_nothing(client, recruiter, two_choices, bank, bad):
    section = two_choices.sections.get()
    url = reverse("org:section_change", args=["acme", two_choices.pk, section.pk, "points"])
    response = client.post(url, {"question": bank["single"].pk, "points": bad}, follow=True)
    assert response.status_code == 200
    assert "t-single: Points are a whole number from 1 to 100." in response.content.decode()
    assert section.picks.get(question=bank["single"]).points == 1


@pytest.mark.parametrize("bad", ["0", "101", "abc", "NaN", "9" * 5000])
def test_bad_draw_points_are_refused(client, recruiter, two_choices, bad):
    section = two_choices.sections.get()
    url = reverse("org:section_change", args=["acme", two_choices.pk, section.pk, "draw"])
    response = client.post(
        url, {"draw_count": "1", "draw_kind": "", "draw_level": "", "draw_points": bad}, follow=True
    )
    assert "Points are a whole number from 1 to 100." in response.content.decode()
    section.refresh_from_db()
    assert (section.draw_count, section.draw_points) == (0, 1)


def test_the_report_shows_each_questions_points_and_what_was_earned(
    client, recruiter, two_choices, bank
):
    set_points(two_choices, bank["single"], 3)
    attempt = take(two_choices)
    page = client.get(reverse("org:report", args=["acme", attempt.pk])).content.decode()
    assert '<td class="points">3 / 3</td>' in page
    assert '<td class="points">0 / 1</td>' in page


def test_a_duplicate_keeps_the_points(recruiter, two_choices, bank):
    from assess.hiring.services import assessment_duplicate

    set_points(two_choices, bank["single"], 3)
    Section.objects.filter(assessment=two_choices).update(draw_points=2)
    copy = assessment_duplicate(two_choices, recruiter)
    assert [p.points for p in copy.sections.get().picks.all()] == [3, 1]
    assert copy.sections.get().draw_points == 2


def test_the_reviewer_sees_each_answers_points_earned_of_possible(
    client, reviewer, two_choices, bank
):
    """The same numbers as the report: right single choice 3 of 3, wrong multiple 0 of 1,
    and the points frozen at the start even when the builder changes them afterwards."""
    set_points(two_choices, bank["single"], 3)
    attempt = take(two_choices)
    set_points(two_choices, bank["single"], 50)
    page = client.get(reverse("org:attempt_review", args=["acme", attempt.pk])).content.decode()
    assert page.count('Points: <strong class="points">') == 2
    assert 'Points: <strong class="points">3 / 3</strong>' in page
    assert 'Points: <strong class="points">0 / 1</strong>' in page


def test_the_reviewer_sees_a_dash_for_an_answer_still_waiting(client, reviewer, org, bank):
    assessment = factories.make_assessment(org, [bank["written"]])
    SectionQuestion.objects.filter(section__assessment=assessment).update(points=4)
    invitation, _ = factories.make_invitation(assessment)
    attempt = attempt_start(invitation)
    answer_save(attempt, 0, "The running mean is used at evaluation.", 0)
    attempt_submit(attempt)
    page = client.get(reverse("org:attempt_review", args=["acme", attempt.pk])).content.decode()
    assert 'Points: <strong class="points">– / 4</strong>' in page
