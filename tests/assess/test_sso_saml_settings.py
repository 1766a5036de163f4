"""The admin sets the organization's SAML 2.0 identity provider on /org/<slug>/settings/sso/saml/:
by its metadata (an uploaded file or a URL, read once), or by its entity id, sign-in URL and
certificate. Hostile metadata (not XML, empty, huge, NUL, a DTD with entity expansion or an
external entity) gets a clear message and nothing is saved, never a 500."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assess.audit.models import AuditEvent
from assess.models import Membership, Role
from assess.sso.models import OrganizationSso
from tests.assess import factories
from tests.assess.saml_support import SamlIdp

pytestmark = pytest.mark.django_db
URL = "/org/acme/settings/sso/saml/"


@pytest.fixture(scope="module")
def idp():
    provider = SamlIdp({}, "http://sp.example/metadata/", "http://sp.example/acs/")
    yield provider
    provider.stop()


@pytest.fixture
def loopback_allowed(settings):
    """The test identity provider serves its metadata on loopback, which the platform's
    outbound rules refuse unless a deployment allows private hosts."""
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True


@pytest.fixture
def outbound_rules(settings):
    """Production's rule (the test settings allow private hosts, as DEBUG does)."""
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False


@pytest.fixture
def admin_browser(db, django_user_model):
    org = factories.make_org("acme")
    admin = django_user_model.objects.create_user("ada")
    Membership.objects.create(user=admin, organization=org, role=Role.ADMIN)
    recruiter = django_user_model.objects.create_user("rita")
    Membership.objects.create(user=recruiter, organization=org, role=Role.RECRUITER)
    browser = Client()
    browser.force_login(admin)
    return org, browser


def settings_form(**overrides):
    return {
        "allowed_domains": "acme.com",
        "groups_claim": "groups",
        "group_roles": "Hiring = recruiter",
        **overrides,
    }


def metadata_file(content: bytes, name: str = "idp.xml"):
    return SimpleUploadedFile(name, content, content_type="application/xml")


def test_the_admin_uploads_the_identity_providers_metadata(admin_browser, idp):
    org, browser = admin_browser
    page = browser.get(URL)
    assert page.status_code == 200
    assert "http://testserver/accounts/saml/acme/acs/" in page.text  # what to register
    saved = browser.post(URL, settings_form(metadata_file=metadata_file(idp.metadata())))
    assert saved.status_code == 302, saved.content[:800]
    sso = OrganizationSso.objects.get(organization=org)
    assert sso.protocol == "saml" and sso.saml_entity_id == idp.entity_id
    assert sso.saml_sso_url == idp.sso_url
    app = SocialApp.objects.get(provider="saml", client_id="acme")
    assert app.settings["idp"]["x509cert"] in idp.certificate.replace("\n", "")
    assert app.settings["advanced"]["want_assertion_signed"] is True
    event = AuditEvent.objects.get(event="sso.settings_changed", organization=org)
    assert event.details["protocol"] == "saml" and event.details["issuer"] == idp.entity_id
    overview = browser.get("/org/acme/settings/")
    assert f"signs in through {idp.entity_id} (SAML 2.0)" in overview.text
    # The sign-in page now hands over to the SAML identity provider.
    start = Client().post("/org/sso/", {"organization": "acme"})
    assert 'action="/accounts/saml/acme/login/"' in start.text


def test_the_admin_gives_the_metadata_url_or_the_three_values(admin_browser, idp, loopback_allowed):
    org, browser = admin_browser
    assert browser.post(URL, settings_form(metadata_url=idp.entity_id)).status_code == 302
    assert OrganizationSso.objects.get(organization=org).saml_sso_url == idp.sso_url
    by_hand = settings_form(
        groups_claim="http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
        entity_id="https://idp.acme.com/saml",
        sso_url="https://idp.acme.com/saml/sso",
        x509cert=idp.certificate,
    )
    assert browser.post(URL, by_hand).status_code == 302
    sso = OrganizationSso.objects.get(organization=org)
    assert sso.saml_entity_id == "https://idp.acme.com/saml"
    assert sso.groups_claim.endswith("/claims/groups")
    assert SocialApp.objects.count() == 1  # the same app, replaced


def test_saving_openid_connect_afterwards_switches_the_protocol_back(
    admin_browser, idp, loopback_allowed
):
    org, browser = admin_browser
    browser.post(URL, settings_form(metadata_url=idp.entity_id))
    oidc = settings_form(
        server_url="https://idp.acme.com", client_id="normassess", client_secret="s3cret"
    )
    assert browser.post("/org/acme/settings/sso/", oidc).status_code == 302
    sso = OrganizationSso.objects.get(organization=org)
    assert sso.protocol == "oidc" and sso.app.provider == "openid_connect"


XXE = (
    b'<?xml version="1.0"?><!DOCTYPE md [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&x;"/>'
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]><lolz>&lol9;</lolz>"
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not xml", "not a readable XML document"),
        (b"", "The submitted file is empty"),
        (b"<a>" * 10 + b"x" * (300 * 1024), "larger than 256 KiB"),
        (b'<?xml version="1.0"?>\x00<md/>', "NUL"),
        (XXE, "DTD or entities"),
        (LAUGHS, "DTD or entities"),
        (b"<md:EntityDescriptor xmlns:md='urn:oasis:names:tc:SAML:2.0:metadata'/>", "names no"),
        (b"<md>\xc3\x28</md>", "not a readable XML document"),
        (XXE.replace(b"DOCTYPE", b"doctype"), "DTD or entities"),
    ],
    ids=[
        "not-xml",
        "empty",
        "huge",
        "nul",
        "xxe",
        "entity-expansion",
        "no-idp",
        "bad-utf8",
        "xxe-lowercase",
    ],
)
def test_hostile_metadata_files_are_refused_clearly(admin_browser, content, message):
    org, browser = admin_browser
    response = browser.post(URL, settings_form(metadata_file=metadata_file(content)))
    assert response.status_code == 400 and message in response.text, response.text[:2000]
    assert not OrganizationSso.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"metadata_url": "http://127.0.0.1:9/metadata"}, "could not be read"),
        ({"metadata_url": "file:///etc/passwd"}, "Enter a valid URL"),
        ({"metadata_url": "https://idp.acme.com/\x00"}, "NUL"),
        (
            {"entity_id": "x", "sso_url": "https://idp.acme.com/sso", "x509cert": "not a cert!"},
            "Not a PEM certificate",
        ),
        (
            {"entity_id": "x", "sso_url": "javascript:alert(1)", "x509cert": "QUJD"},
            "Enter a valid URL",
        ),
        ({"entity_id": "x" * 501}, "at most 500"),
        ({"x509cert": "\x00"}, "NUL"),
        ({"allowed_domains": "not a domain!"}, "Not a domain name"),
        ({"group_roles": "Hiring = owner"}, "the role must be one of"),
        ({"groups_claim": "groups <script>"}, "Letters, digits"),
    ],
)
def test_bad_settings_get_a_clear_message(admin_browser, fields, message):
    org, browser = admin_browser
    response = browser.post(URL, settings_form(**fields))
    assert response.status_code == 400 and message in response.text, response.text[:2000]
    assert not OrganizationSso.objects.exists()


def test_only_the_admin_reaches_the_saml_settings(admin_browser, idp, loopback_allowed):
    org, _ = admin_browser
    recruiter = Client()
    recruiter.force_login(Membership.objects.get(role=Role.RECRUITER).user)
    assert recruiter.get(URL).status_code == 403
    posted = recruiter.post(URL, settings_form(metadata_url=idp.entity_id))
    assert posted.status_code == 403
    assert not OrganizationSso.objects.exists()


def test_a_metadata_url_on_this_servers_network_is_refused(admin_browser, idp, outbound_rules):
    _, browser = admin_browser
    response = browser.post(URL, settings_form(metadata_url=idp.entity_id))
    assert response.status_code == 400
    assert "Only public internet addresses can be reached." in response.text
    assert not OrganizationSso.objects.exists()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/metadata", "http://10.0.0.7/m", "http://[::ffff:169.254.169.254]/"]
)
def test_private_and_metadata_service_addresses_are_refused(admin_browser, outbound_rules, url):
    _, browser = admin_browser
    response = browser.post(URL, settings_form(metadata_url=url))
    assert response.status_code == 400
    assert "Only public internet addresses can be reached." in response.text
    assert not OrganizationSso.objects.exists()
