"""An organization's admin requires a second factor; a recruiter without one signs in, is
kept on the enrolment page, adds an authenticator app (its code computed with pyotp from
the secret the page shows), and then works; the admin sees it on the security page and
the audit trail shows it. axe scans of the security and audit pages."""

import re

import pyotp
import pytest

from assess.accounts.models import SecurityPolicy
from assess.models import Membership, Role
from tests.assess import factories
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-correct-horse-42"


def sign_in(page, base, username):
    page.goto(f"{base}/org/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")


def test_a_required_second_factor_is_enrolled_at_sign_in_and_seen_by_the_admin(
    live_server, browser, django_user_model, axe_scan
):
    org = factories.make_org("acme")
    for name, role in (("ada", Role.ADMIN), ("rita", Role.RECRUITER)):
        user = django_user_model.objects.create_user(name, f"{name}@example.com", PASSWORD)
        Membership.objects.create(user=user, organization=org, role=role)
    SecurityPolicy.objects.create(organization=org, require_second_factor=True)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()

    sign_in(page, base, "rita")
    page.wait_for_url(re.compile(r"/accounts/2fa/$"))
    assert "requires a second factor" in page.inner_text("main")
    page.goto(f"{base}/org/acme/candidates/")
    page.wait_for_url(re.compile(r"/accounts/2fa/$"))  # nothing else until she enrols

    page.goto(f"{base}/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/totp/activate/"))
    secret = page.input_value("#authenticator_secret")
    page.screenshot(path=str(ARTIFACTS / "totp-activate.png"), full_page=True)
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("button:has-text('Activate')")
    page.wait_for_url(lambda url: "/totp/activate/" not in url)
    page.goto(f"{base}/org/acme/candidates/")
    assert page.url.endswith("/org/acme/candidates/")
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, base, "ada")
    page.wait_for_url(re.compile(r"/accounts/2fa/$"))  # the admin must enrol too
    page.goto(f"{base}/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/totp/activate/"))
    page.fill("input[name=code]", pyotp.TOTP(page.input_value("#authenticator_secret")).now())
    page.click("button:has-text('Activate')")
    page.wait_for_url(lambda url: "/totp/activate/" not in url)

    page.goto(f"{base}/org/acme/security/")
    row = page.locator("tr[data-member=rita] td.factor").inner_text()
    assert "authenticator app" in row
    assert axe_scan(page, "security") == []
    page.screenshot(path=str(ARTIFACTS / "security.png"), full_page=True)

    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings pages").get_by_role(
        "link", name="Audit trail"
    ).click()
    page.select_option("#id_event", "mfa.enrolled")
    page.click("button:has-text('Filter')")
    rows = page.locator("#audit-events tbody tr")
    # For each of the two: the app, and the recovery codes made with it.
    assert rows.count() == 4
    table = page.inner_text("#audit-events")
    assert table.count("rita@example.com") == 2 and table.count("kind=totp") == 2
    assert axe_scan(page, "audit") == []
    page.screenshot(path=str(ARTIFACTS / "audit.png"), full_page=True)
    context.close()
