"""A recruiter signs in through their organization's OpenID Connect provider in Chromium:
the sign-in page's single sign-on link, the provider's own sign-in and consent pages (a
real provider, panva/oidc-provider, on loopback), and back, signed in with the role their
groups give; the sign-in is in the organization's audit trail."""

import pytest
from allauth.socialaccount.models import SocialApp

from assess.audit.models import AuditEvent
from assess.models import Membership, Role
from assess.sso.models import OrganizationSso
from tests.assess import factories
from tests.assess.sso_support import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def idp(live_server):
    callback = f"{live_server.url}/accounts/oidc/org-acme/login/callback/"
    provider = OidcProvider(callback, {"ada": {"email": "ada@acme.com", "groups": ["Hiring"]}})
    yield provider
    provider.stop()


def test_a_recruiter_signs_in_through_the_organizations_identity_provider(live_server, idp, page):
    org = factories.make_org("acme")
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="org-acme",
        name="Acme",
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        settings={"server_url": idp.issuer, "scope": ["openid", "email", "profile", "groups"]},
    )
    OrganizationSso.objects.create(
        organization=org, app=app, allowed_domains=["acme.com"], group_roles={"hiring": "recruiter"}
    )

    page.goto(f"{live_server.url}/org/login/")
    page.click("text=Sign in with your organization")
    page.fill("#sso-organization", "acme")
    page.click("text=Continue to your identity provider")
    page.click("#sso-continue")
    page.wait_for_url(f"{idp.issuer}/**")
    page.fill("input[name=login]", "ada")
    page.fill("input[name=password]", "any")
    page.click("button.login-submit")  # the provider's sign-in page
    page.click("button.login-submit:has-text('Continue')")  # its consent page
    page.wait_for_url(f"{live_server.url}/org/acme/**")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sso-signed-in.png"), full_page=True)
    assert "/org/acme/" in page.url
    membership = Membership.objects.get(organization=org, user__username="ada@acme.com")
    assert membership.role == Role.RECRUITER
    assert AuditEvent.objects.filter(event="sso.signin_succeeded", organization=org).exists()
