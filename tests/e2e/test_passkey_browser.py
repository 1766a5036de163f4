"""A recruiter adds a passkey in Chromium (the DevTools protocol's virtual authenticator
stands in for the phone or security key), signs out, and signs in again with the passkey
alone; both steps are in the organization's audit trail."""

import re

import pytest
from allauth.mfa.models import Authenticator

from assess.audit.models import AuditEvent
from assess.models import Membership, Role
from tests.assess import factories
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-correct-horse-42"


@pytest.fixture
def passkey_page(browser):
    """A page whose browser has a platform authenticator that verifies its user."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield page, cdp, added["authenticatorId"]
    context.close()


def test_a_recruiter_adds_a_passkey_and_signs_in_with_it(
    live_server, passkey_page, django_user_model, settings
):
    # WebAuthn wants https, except on localhost; the live server speaks http.
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    page, cdp, authenticator_id = passkey_page
    org = factories.make_org("acme")
    rita = django_user_model.objects.create_user("rita", "rita@example.com", PASSWORD)
    Membership.objects.create(user=rita, organization=org, role=Role.RECRUITER)
    base = live_server.url

    page.goto(f"{base}/org/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/org/acme/"))

    page.goto(f"{base}/accounts/2fa/webauthn/add/?passwordless=1")
    if "/reauthenticate/" in page.url:  # adding a factor asks for the password again
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/webauthn/add/"))
    page.fill("input[name=name]", "Work laptop")
    page.screenshot(path=str(ARTIFACTS / "passkey-add.png"), full_page=True)
    passwordless = page.locator("input[name=passwordless]")
    if passwordless.count() and not passwordless.is_checked():
        passwordless.check()
    page.click("#mfa_webauthn_add")
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert Authenticator.objects.filter(user=rita, type="webauthn").count() == 1
    page.goto(f"{base}/accounts/2fa/")
    assert "Passkey" in page.inner_text("main") or "Security Key" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "second-factors.png"), full_page=True)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1

    page.goto(f"{base}/org/me/sessions/")
    page.click("button:has-text('Sign out')")
    page.wait_for_url(re.compile(r"/org/login/"))
    assert page.locator("#id_password").is_visible()

    page.screenshot(path=str(ARTIFACTS / "signin-with-passkey.png"), full_page=True)
    page.click("#passkey_login")
    page.wait_for_url(re.compile(r"/org/acme/"))
    assert "rita" in page.locator("header").inner_text()
    events = list(
        AuditEvent.objects.filter(organization=org, actor=rita).values_list("event", flat=True)
    )
    assert events.count("signin.succeeded") == 2
    assert "mfa.enrolled" in events and "signout" in events
