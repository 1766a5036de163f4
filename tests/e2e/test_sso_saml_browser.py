"""A recruiter signs in through their organization's SAML 2.0 identity provider in Chromium:
the sign-in page's single sign-on link, the identity provider's own page (pysaml2's IdP on
loopback, signing its assertion), its post back to our assertion consumer, and in, with the
role their groups give; the sign-in is in the organization's audit trail."""

import pytest

from assess.audit.models import AuditEvent
from assess.models import Membership, Role
from assess.sso import saml
from tests.assess import factories
from tests.assess.saml_support import SamlIdp
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def idp(live_server):
    sp = f"{live_server.url}/accounts/saml/acme"
    provider = SamlIdp(
        {"ada": {"email": "ada@acme.com", "groups": ["Hiring"]}},
        f"{sp}/metadata/",
        f"{sp}/acs/",
    )
    yield provider
    provider.stop()


def test_a_recruiter_signs_in_through_the_organizations_saml_provider(live_server, idp, page):
    org = factories.make_org("acme")
    saml.saml_configure(
        org,
        {
            "idp": saml.metadata_parse(idp.metadata()),
            "allowed_domains": ["acme.com"],
            "groups_claim": "groups",
            "group_roles": {"hiring": "recruiter"},
            "sso_only": True,
        },
    )

    page.goto(f"{live_server.url}/org/login/")
    page.click("text=Sign in with your organization")
    page.fill("#sso-organization", "acme")
    page.click("text=Continue to your identity provider")
    page.click("#sso-continue")
    page.wait_for_url(f"{idp.base}/**")
    page.fill("#login", "ada")
    page.click("#sign-in")  # the identity provider's page
    page.click("#continue")  # its post back to us
    page.wait_for_url(f"{live_server.url}/org/acme/**")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sso-saml-signed-in.png"), full_page=True)
    membership = Membership.objects.get(organization=org, user__username="ada@acme.com")
    assert membership.role == Role.RECRUITER
    assert AuditEvent.objects.filter(event="sso.signin_succeeded", organization=org).exists()
