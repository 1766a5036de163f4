"""A reviewer reads, on each answer of the attempt page, what it earned of what it is worth."""

import pytest
from django.urls import reverse

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.models import Membership, Role, SectionQuestion
from tests.assess import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_sees_each_answers_points_on_the_attempt_page(
    live_server, page, screenshot, django_user_model
):
    bank = factories.make_bank()
    org = factories.make_org("acme")
    assessment = factories.make_assessment(org, [bank["single"], bank["multiple"]])
    SectionQuestion.objects.filter(question=bank["single"]).update(points=3)
    attempt = attempt_start(factories.make_invitation(assessment, name="Ada Lovelace")[0])
    answer_save(attempt, 0, 0, 0)  # right
    answer_save(attempt, 1, [2, 3], 0)  # wrong
    attempt_submit(attempt)
    user = django_user_model.objects.create_user("victor", password="pw-victor-2026")
    Membership.objects.create(user=user, organization=org, role=Role.REVIEWER)

    page.goto(f"{live_server.url}/org/login/")
    page.fill("#id_username", "victor")
    page.fill("#id_password", "pw-victor-2026")
    page.click("button:has-text('Sign in')")
    page.goto(live_server.url + reverse("org:attempt_review", args=["acme", attempt.pk]))
    cards = page.locator(".card.answer")
    assert cards.count() == 2
    assert "Points: 3 / 3" in cards.nth(0).inner_text()
    assert "Points: 0 / 1" in cards.nth(1).inner_text()
    cards.nth(0).scroll_into_view_if_needed()
    screenshot("review-attempt-points")
