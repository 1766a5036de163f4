"""In a real browser (the app under gunicorn, as in production): the candidate reads the
privacy notice with the organization's own text, cannot start before ticking the
confirmation, starts once it is ticked; later their "Your data" page gives a copy and
erases everything. Desktop (1280 px) and phone (390 px); screenshots and an axe scan."""

import pytest

from assess.models import Attempt, Invitation
from assess.privacy.models import NoticeConfirmation
from assess.privacy.services import privacy_settings_update
from tests.assess import factories
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("name", sorted(VIEWPORTS))
def test_the_candidate_reads_confirms_starts_then_erases(
    gunicorn_server, browser, axe_scan, name, tmp_path
):
    base = gunicorn_server(PRIVACY_ERASURE_LOG=str(tmp_path / "erasure-log.jsonl"))
    bank = factories.make_bank("single", "written")
    org = factories.make_org("acme")
    privacy_settings_update(
        org,
        privacy_text="Acme Ltd is the controller of your data.",
        contact="privacy@acme.example",
        retention_days=180,
        evidence_days=30,
    )
    invitation, token = factories.make_invitation(
        factories.make_assessment(org, [bank["single"], bank["written"]])
    )
    context = browser.new_context(viewport=VIEWPORTS[name])
    page = context.new_page()
    page.goto(f"{base}/t/{token}/")
    notice = page.get_by_role("region", name="Your data")
    text = notice.inner_text()
    assert "What is recorded" in text and "Who sees it" in text
    assert "kept 180 days" in text and "privacy@acme.example" in text
    assert "Acme Ltd is the controller of your data." in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"privacy-notice-{name}.png"), full_page=True)
    assert axe_scan(page, f"privacy-notice-{name}") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[name]["width"]

    # Not ticked: the browser keeps the candidate on the page, nothing starts.
    page.get_by_role("button", name="Start the test").click()
    assert page.evaluate("document.querySelector('#notice-confirm').validity.valueMissing")
    assert not Attempt.objects.filter(invitation=invitation).exists()
    page.get_by_label("I have read how my data is recorded and used").check()
    page.get_by_role("button", name="Start the test").click()
    page.wait_for_url(f"{base}/t/{token}/q/1/")
    confirmation = NoticeConfirmation.objects.get(attempt__invitation=invitation)
    assert "Acme Ltd is the controller" in confirmation.notice.text

    # Their data page: a copy, then the erasure.
    page.goto(f"{base}/t/{token}/privacy/")
    page.get_by_role("link", name="See everything recorded about you").click()
    page.wait_for_selector("h1:has-text('Everything recorded about')")
    assert "Acme Ltd is the controller" in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / f"privacy-export-{name}.png"), full_page=True)
    page.go_back()
    page.get_by_label("I want my data erased").check()
    page.get_by_role("button", name="Erase my data").click()
    page.wait_for_selector("h1:has-text('Your data is erased')")
    assert "privacy@acme.example" in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / f"privacy-erased-{name}.png"), full_page=True)
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    context.close()
