"""In a real browser: the organization's admin reaches "Candidates' data" from Settings,
sees what retention erases in the next 30 days, finds a candidate, places and lifts a legal
hold, and erases them; the audit trail names no one. Screenshots and an axe scan."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assess.attempts.services import attempt_start, attempt_submit
from assess.models import Attempt, Invitation, Membership, Role
from assess.privacy.services import privacy_settings_update
from tests.assess import factories
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-correct-horse-42"


def test_an_admin_holds_then_erases_a_candidate(
    live_server, browser, django_user_model, axe_scan, settings, tmp_path
):
    settings.PRIVACY_ERASURE_LOG = str(tmp_path / "erasure-log.jsonl")
    bank = factories.make_bank("single")
    org = factories.make_org("acme")
    privacy_settings_update(org, privacy_text="", contact="", retention_days=60, evidence_days=14)
    admin = django_user_model.objects.create_user("ada", password=PASSWORD)
    Membership.objects.create(user=admin, organization=org, role=Role.ADMIN)
    invitation, _ = factories.make_invitation(
        factories.make_assessment(org, [bank["single"]]), name="Grace Hopper"
    )
    attempt = attempt_submit(attempt_start(invitation))
    Attempt.objects.filter(pk=attempt.pk).update(submitted_at=timezone.now() - timedelta(days=50))
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{live_server.url}/org/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Erasures, exports, legal holds and the audit trail").click()
    page.wait_for_selector('h1:has-text("Candidates\' data")')
    upcoming = page.locator("#upcoming").inner_text()
    assert "Grace Hopper" in upcoming and "everything" in upcoming

    page.get_by_label("Name or email").fill("hopper")
    page.get_by_role("button", name="Find").click()
    page.locator("#found").get_by_role("link", name="Their data").click()
    page.wait_for_selector("h1:has-text('Data of Grace Hopper')")
    page.get_by_label("Why the data must be kept").fill("Claim 2026-4 at the labour court")
    page.get_by_role("button", name="Place a legal hold").click()
    page.wait_for_selector("text=The candidate's data is now on legal hold.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "privacy-admin-candidate.png"), full_page=True)
    assert axe_scan(page, "privacy-admin-candidate") == []
    page.get_by_label("I understand: erase Grace Hopper's data now").check()
    page.get_by_role("button", name="Erase the candidate").click()
    page.wait_for_selector("text=under a legal hold")
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    page.get_by_role("button", name="Lift the hold").click()
    page.wait_for_selector("text=The legal hold is lifted.")
    page.get_by_label("I understand: erase Grace Hopper's data now").check()
    page.get_by_role("button", name="Erase the candidate").click()
    page.wait_for_selector("text=The candidate's data was erased.")
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    audit = page.locator("#audit").inner_text()
    assert "A candidate's data was erased" in audit and "Grace" not in audit
    assert "A legal hold was placed" in audit and "A legal hold was lifted" in audit
    page.screenshot(path=str(ARTIFACTS / "privacy-admin-overview.png"), full_page=True)
    assert axe_scan(page, "privacy-admin-overview") == []
    page.context.close()
