"""The hiring team's pages on a 390 px phone: the header (brand, the admin's six links, the
account) wraps instead of pushing the page sideways, and each page fits its width."""

from __future__ import annotations

import pytest

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.models import Membership, Role
from tests.assess import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "phone-team-2026!"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    yield page
    context.close()


def test_an_admins_pages_fit_a_phone(live_server, phone, django_user_model):
    from tests.e2e.conftest import ARTIFACTS

    bank = factories.make_bank("single", "written")
    org = factories.make_org("acme")
    user = django_user_model.objects.create_user("ada", password=PASSWORD)
    Membership.objects.create(user=user, organization=org, role=Role.ADMIN)
    assessment = factories.make_assessment(org, [bank["single"], bank["written"]], minutes=10)
    invitation, _ = factories.make_invitation(assessment, name="Grace Hopper")
    attempt = attempt_start(invitation)
    answer_save(attempt, 0, 0, 0)
    attempt_submit(attempt)

    phone.goto(f"{live_server.url}/org/login/")
    phone.fill("#id_username", "ada")
    phone.fill("#id_password", PASSWORD)
    phone.click("button:has-text('Sign in')")
    phone.wait_for_selector("nav[aria-label=Organization]")
    ARTIFACTS.mkdir(exist_ok=True)
    for link in ("Candidates", "Assessments", "Review", "To score", "Grading health", "Settings"):
        phone.get_by_role("navigation", name="Organization").get_by_role(
            "link", name=link, exact=True
        ).click()
        phone.wait_for_load_state()
        phone.screenshot(path=str(ARTIFACTS / f"team-phone-{link.lower().replace(' ', '-')}.png"))
        header = phone.evaluate(
            "(() => { const h = document.querySelector('header.top');"
            " return [h.scrollWidth, h.getBoundingClientRect().right]; })()"
        )
        assert header[0] <= PHONE["width"] and header[1] <= PHONE["width"], (link, header)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{link}: the page is {width} px wide"
