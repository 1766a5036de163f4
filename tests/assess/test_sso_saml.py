"""Signing in through an organization's SAML 2.0 identity provider (a real one: pysaml2's
IdP in its own process on loopback, signing its assertions): a first sign-in makes the
account with the role its groups give; a forged signature, a replayed assertion, one for
another audience, an expired one, an email outside the allowed domains and groups that give
no role are each refused with a clear message and recorded in the organization's trail."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from assess.audit.models import AuditEvent
from assess.models import Membership, Role
from assess.sso import saml
from tests.assess import factories
from tests.assess.saml_support import SamlIdp

pytestmark = pytest.mark.django_db
# python3-saml refuses a single-label host such as Django's "testserver" in its addresses.
HOST = "team.normassess.test"

ACCOUNTS = {
    "ada": {"email": "ada@acme.com", "groups": ["Hiring", "Everyone"]},
    "bob": {"email": "bob@acme.com", "groups": ["Everyone"]},
    "eve": {"email": "eve@evil.example", "groups": ["Hiring"]},
}


@pytest.fixture(scope="module")
def idp():
    provider = SamlIdp(
        ACCOUNTS,
        f"http://{HOST}/accounts/saml/acme/metadata/",
        f"http://{HOST}/accounts/saml/acme/acs/",
    )
    yield provider
    provider.stop()


@pytest.fixture
def acme(idp, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    org = factories.make_org("acme")
    saml.saml_configure(
        org,
        {
            "idp": saml.metadata_parse(idp.metadata()),
            "allowed_domains": ["acme.com"],
            "groups_claim": "groups",
            "group_roles": {"hiring": "recruiter"},
            "sso_only": False,
        },
    )
    return org


def idp_answer(idp, login, variant=""):
    """A browser that starts the sign-in on our side, and the IdP's answer for `login`."""
    browser = Client(HTTP_HOST=HOST)
    shown = browser.post("/org/sso/", {"organization": "acme"})
    assert shown.status_code == 200 and 'action="/accounts/saml/acme/login/"' in shown.text
    start = browser.post("/accounts/saml/acme/login/")
    assert start.status_code == 302, start
    return browser, idp.answer(start["Location"], login, variant)


def post_back(browser, answer):
    acs = urlsplit(answer["acs"]).path
    assert acs == "/accounts/saml/acme/acs/"
    data = {"SAMLResponse": answer["SAMLResponse"], "RelayState": answer["RelayState"]}
    return browser.post(acs, data, follow=True)


def refusal_reasons(org) -> list[str]:
    rows = AuditEvent.objects.filter(event="sso.signin_refused", organization=org)
    return [row.details["reason"] for row in rows]


def test_a_first_sign_in_makes_the_account_with_its_groups_role(idp, acme):
    browser, answer = idp_answer(idp, "ada")
    done = post_back(browser, answer)
    assert done.status_code == 200, done.content[:500]
    membership = Membership.objects.get(organization=acme, user__username="ada@acme.com")
    assert membership.role == Role.RECRUITER
    assert not membership.user.has_usable_password()
    assert browser.get("/org/acme/assessments/").status_code == 200
    event = AuditEvent.objects.get(event="sso.signin_succeeded", organization=acme)
    assert event.details == {"email": "ada@acme.com", "role": "recruiter", "new_account": True}
    # The same assertion posted again (a replay) signs no one in.
    # (From a browser that enforces CSRF: the IdP's page posts without our token.)
    again = post_back(Client(HTTP_HOST=HOST, enforce_csrf_checks=True), answer)
    assert again.status_code == 403 and "already used" in again.text
    assert refusal_reasons(acme) == ["saml: replayed or unsolicited assertion"]
    # A second sign-in finds the same account.
    browser, answer = idp_answer(idp, "ada")
    assert post_back(browser, answer).status_code == 200
    assert Membership.objects.filter(user__username="ada@acme.com").count() == 1


@pytest.mark.parametrize(
    ("variant", "why"),
    [
        ("other_key", "Signature validation failed"),
        ("unsigned", "is not signed"),
        ("audience", "is not a valid audience"),
        ("expired", "expired"),
    ],
)
def test_an_assertion_that_cannot_be_trusted_is_refused_and_audited(idp, acme, variant, why):
    browser, answer = idp_answer(idp, "ada", variant)
    done = post_back(browser, answer)
    assert done.status_code == 400
    assert "could not be trusted" in done.text
    assert not Membership.objects.filter(organization=acme).exists()
    assert browser.get("/org/acme/assessments/").status_code == 302  # not signed in
    [reason] = refusal_reasons(acme)
    assert reason.startswith("saml: ") and why in reason, reason


@pytest.mark.parametrize(
    ("login", "reason", "message"),
    [
        ("bob", "no_role", "lists no group that gives a role"),
        ("eve", "email_domain", "accepts sign-ins only from acme.com"),
    ],
)
def test_a_sign_in_the_rules_refuse_gets_a_clear_message_and_is_audited(
    idp, acme, login, reason, message
):
    browser, answer = idp_answer(idp, login)
    done = post_back(browser, answer)
    assert done.status_code == 403 and message in done.text
    assert not Membership.objects.filter(organization=acme).exists()
    assert browser.get("/org/acme/assessments/").status_code == 302
    assert refusal_reasons(acme) == [reason]


def test_sso_only_refuses_a_saml_members_password(idp, acme, django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    acme.sso.sso_only = True
    acme.sso.save()
    rita = django_user_model.objects.create_user("rita", password="pw-rita-12345678")
    Membership.objects.create(user=rita, organization=acme, role=Role.RECRUITER)
    refused = Client().post("/org/login/", {"username": "rita", "password": "pw-rita-12345678"})
    assert refused.status_code == 403
    assert "signs in through its identity provider only" in refused.text
    assert AuditEvent.objects.filter(event="sso.password_refused", organization=acme).exists()


XXE = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"SAMLResponse": ""},
        {"SAMLResponse": "not base64 at all!"},
        {"SAMLResponse": base64.b64encode(b"not xml").decode()},
        {"SAMLResponse": base64.b64encode(XXE).decode()},
        {"SAMLResponse": base64.b64encode(b"<r>\x00</r>").decode()},
        {"SAMLResponse": "\x00"},
        {"SAMLResponse": base64.b64encode(b"<r>" * 50_000).decode()},
        {"SAMLResponse": base64.b64encode(b"<r/>").decode(), "RelayState": "\x00" * 10},
    ],
    ids=["none", "empty", "not-base64", "not-xml", "xxe", "nul-in-xml", "nul", "deep", "nul-relay"],
)
def test_hostile_posts_to_the_assertion_consumer_are_refused_never_a_500(acme, body):
    browser = Client(HTTP_HOST=HOST)
    done = browser.post("/accounts/saml/acme/acs/", body, follow=True)
    assert done.status_code in (400, 403), done.status_code
    assert "could not be trusted" in done.text or "already used" in done.text
    assert browser.get("/org/acme/assessments/").status_code == 302
    assert refusal_reasons(acme)  # audited


def test_a_request_without_a_host_header_is_no_500(idp, acme):
    """HTTP/1.0 allows it (Django's test client sends none); allauth read the header."""
    start = Client().post("/accounts/saml/acme/login/")
    assert start.status_code == 302 and start["Location"].startswith(idp.sso_url)
    for path in ("acs/", "acs/finish/"):
        answer = Client().post(f"/accounts/saml/acme/{path}", {"SAMLResponse": "x"}, follow=True)
        assert answer.status_code in (400, 403), answer.status_code


def test_a_member_with_a_second_factor_gives_it_after_the_saml_sign_in(idp, acme):
    """The SAML sign-in goes through allauth's login flow, so its second-factor stage runs."""
    browser, answer = idp_answer(idp, "ada")
    assert post_back(browser, answer).status_code == 200  # the account, made just in time
    ada = Membership.objects.get(organization=acme, user__username="ada@acme.com").user
    secret = pyotp.random_base32()
    TOTP.activate(ada, secret)
    browser, answer = idp_answer(idp, "ada")
    asked = post_back(browser, answer)
    assert asked.redirect_chain[-1][0].startswith("/accounts/2fa/authenticate/")
    assert browser.get("/org/acme/assessments/").status_code == 302  # not signed in yet
    done = browser.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    assert browser.get("/org/acme/assessments/").status_code == 200


def test_an_assertion_for_one_organization_does_not_sign_in_to_another(idp, acme):
    beta = factories.make_org("beta")
    saml.saml_configure(
        beta,
        {
            "idp": saml.metadata_parse(idp.metadata()),  # the same identity provider
            "allowed_domains": ["acme.com"],
            "groups_claim": "groups",
            "group_roles": {"hiring": "admin"},
            "sso_only": False,
        },
    )
    browser, answer = idp_answer(idp, "ada")  # started for acme
    data = {"SAMLResponse": answer["SAMLResponse"], "RelayState": answer["RelayState"]}
    done = browser.post("/accounts/saml/beta/acs/", data, follow=True)
    assert done.status_code == 400 and "could not be trusted" in done.text
    assert not Membership.objects.filter(user__username="ada@acme.com").exists()
    [reason] = refusal_reasons(beta)
    assert "saml: " in reason
