"""Signing in through an organization's own OpenID Connect provider (a real one, on
loopback): a first sign-in makes the account with the role its groups give; an email
outside the allowed domains, or groups that give no role, are refused with a clear
message; every outcome is in the organization's audit trail."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp
from django.test import Client

from assess.audit.models import AuditEvent
from assess.models import Membership, Role
from assess.sso.models import OrganizationSso
from tests.assess import factories
from tests.assess.sso_support import CLIENT_ID, CLIENT_SECRET, OidcProvider, path_and_query

pytestmark = pytest.mark.django_db

PROVIDER_ID = "acme-oidc"
CALLBACK = f"http://testserver/accounts/oidc/{PROVIDER_ID}/login/callback/"
ACCOUNTS = {
    # In the hiring group of acme's directory: a recruiter.
    "ada": {"email": "ada@acme.com", "groups": ["Hiring", "Everyone"]},
    # Right domain, but in no group that gives a role.
    "bob": {"email": "bob@acme.com", "groups": ["Everyone"]},
    # In the hiring group, but with an email of another company.
    "eve": {"email": "eve@evil.example", "groups": ["Hiring"]},
}


@pytest.fixture(scope="module")
def idp():
    provider = OidcProvider(CALLBACK, ACCOUNTS)
    yield provider
    provider.stop()


@pytest.fixture
def acme(idp):
    org = factories.make_org("acme")
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id=PROVIDER_ID,
        name="Acme identity provider",
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        settings={
            "server_url": idp.issuer,
            "token_auth_method": "client_secret_basic",
            "scope": ["openid", "email", "profile", "groups"],
        },
    )
    OrganizationSso.objects.create(
        organization=org, app=app, allowed_domains=["acme.com"], group_roles={"hiring": "recruiter"}
    )
    return org


def sign_in(idp, login):
    browser = Client()
    start = browser.post(f"/accounts/oidc/{PROVIDER_ID}/login/")
    assert start.status_code == 302 and start["Location"].startswith(idp.issuer), start
    back = idp.sign_in(start["Location"], login)
    assert back.startswith(CALLBACK)
    return browser, browser.get(path_and_query(back))


def test_a_first_sign_in_makes_the_account_with_its_groups_role(idp, acme):
    browser, done = sign_in(idp, "ada")
    assert done.status_code == 302, done.content[:500]
    membership = Membership.objects.get(organization=acme, user__username="ada@acme.com")
    assert membership.role == Role.RECRUITER
    assert not membership.user.has_usable_password()
    assert browser.get("/org/acme/assessments/").status_code == 200
    event = AuditEvent.objects.get(event="sso.signin_succeeded", organization=acme)
    assert event.details == {"email": "ada@acme.com", "role": "recruiter", "new_account": True}
    # The second sign-in finds the same account.
    _, again = sign_in(idp, "ada")
    assert again.status_code == 302
    assert Membership.objects.filter(user__username="ada@acme.com").count() == 1


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
    browser, done = sign_in(idp, login)
    assert done.status_code == 403 and message in done.text
    assert not Membership.objects.filter(organization=acme).exists()
    assert browser.get("/org/acme/assessments/").status_code == 302  # not signed in
    event = AuditEvent.objects.get(event="sso.signin_refused", organization=acme)
    assert event.details["reason"] == reason


def test_sso_only_refuses_members_passwords_and_audits_the_admins_break_glass(
    acme, django_user_model, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    OrganizationSso.objects.filter(organization=acme).update(sso_only=True)
    people = {}
    for name, role in (("rita", Role.RECRUITER), ("ada", Role.ADMIN)):
        people[name] = django_user_model.objects.create_user(name, password=f"pw-{name}-12345678")
        Membership.objects.create(user=people[name], organization=acme, role=role)

    refused = Client().post("/org/login/", {"username": "rita", "password": "pw-rita-12345678"})
    assert refused.status_code == 403
    assert "signs in through its identity provider only" in refused.text
    browser = Client()
    browser.post("/org/login/", {"username": "rita", "password": "pw-rita-12345678"})
    assert browser.get("/org/acme/assessments/").status_code == 302  # not signed in

    admin = Client()
    assert (
        admin.post("/org/login/", {"username": "ada", "password": "pw-ada-12345678"}).status_code
        == 302
    )
    assert admin.get("/org/acme/settings/").status_code == 200
    trail = AuditEvent.objects.filter(organization=acme)
    assert trail.filter(event="sso.password_refused", actor=people["rita"]).count() == 2
    assert trail.filter(event="sso.break_glass_signin", actor=people["ada"]).count() == 1

    # Without SSO-only the same password works again.
    OrganizationSso.objects.filter(organization=acme).update(sso_only=False)
    assert (
        Client()
        .post("/org/login/", {"username": "rita", "password": "pw-rita-12345678"})
        .status_code
        == 302
    )
