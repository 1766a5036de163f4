"""An organization's admin finds Settings in the navigation, switches the candidates'
feedback report on, and a candidate who has submitted then sees the link on their done
page. Desktop and phone widths; screenshots and an axe scan of the settings page."""

import pytest

from assess.attempts.services import attempt_start, attempt_submit
from assess.models import Membership, Role
from tests.assess import factories
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-correct-horse-42"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("name", sorted(VIEWPORTS))
def test_an_admin_switches_on_the_feedback_report_from_the_nav(
    live_server, browser, django_user_model, axe_scan, name
):
    bank = factories.make_bank("single")
    org = factories.make_org("acme")
    admin = django_user_model.objects.create_user("ada", password=PASSWORD)
    Membership.objects.create(user=admin, organization=org, role=Role.ADMIN)
    invitation, token = factories.make_invitation(factories.make_assessment(org, [bank["single"]]))
    attempt_submit(attempt_start(invitation))
    context = browser.new_context(viewport=VIEWPORTS[name])
    page = context.new_page()
    page.goto(f"{live_server.url}/org/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Settings").click()
    page.wait_for_selector("h1:has-text('Organization settings')")
    group = page.get_by_role("group", name="Feedback report for candidates")
    assert "never shows the correct answers" in group.inner_text()
    assert page.get_by_label("Off: candidates see only that their test was submitted").is_checked()
    page.get_by_label("On: candidates get a feedback report after submitting").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Saved: the candidates' feedback report is on.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"org-settings-{name}.png"), full_page=True)
    assert axe_scan(page, f"org-settings-{name}") == []
    # The settings themselves fit a phone (the team's header bar is wider than a phone on
    # every hiring-team page; that bar belongs to the recruiter pages' own work).
    card = page.locator(".card").bounding_box()
    assert card["x"] >= 0 and card["x"] + card["width"] <= VIEWPORTS[name]["width"]

    candidate = browser.new_context(viewport=VIEWPORTS[name]).new_page()
    candidate.goto(f"{live_server.url}/t/{token}/done/")
    candidate.get_by_role("link", name="Your feedback report").click()
    candidate.wait_for_selector("h1:has-text('Your feedback report')")
    candidate.context.close()
    context.close()
