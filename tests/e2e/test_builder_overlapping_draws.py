"""A recruiter whose two random draws share one pool reads in the builder why the test
cannot be sent."""

import pytest
from django.urls import reverse

from assess.models import Membership, Role, Section
from tests.assess import factories
from tests.support.population import SimulatedItem, make_items

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_builder_says_overlapping_draws_cannot_be_sent(
    live_server, page, screenshot, django_user_model
):
    make_items([SimulatedItem(f"q-{n:02d}", 1.0, 0.0, 10.0) for n in range(5)])
    org = factories.make_org("acme")
    assessment = factories.make_assessment(org, [], minutes=60)
    Section.objects.filter(assessment=assessment).update(title="Warm-up", draw_count=3)
    Section.objects.create(assessment=assessment, title="Main", position=1, draw_count=3)
    user = django_user_model.objects.create_user("rita", password="pw-rita-2026")
    Membership.objects.create(user=user, organization=org, role=Role.RECRUITER)

    page.goto(f"{live_server.url}/org/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "pw-rita-2026")
    page.click("button:has-text('Sign in')")
    page.goto(live_server.url + reverse("org:builder", args=["acme", assessment.pk]))
    problems = page.locator("#summary-problems")
    assert problems.is_visible()
    assert (
        "Main: asks for 3 random questions, the bank has 5 that fit but the random draws of "
        "the sections before it can take 3 of them, leaving 2" in problems.inner_text()
    )
    problems.scroll_into_view_if_needed()
    screenshot("builder-overlapping-draws")
