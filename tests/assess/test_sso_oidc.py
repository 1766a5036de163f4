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
from tests.assess.sso_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    ForgingTokenEndpoint,
    OidcProvider,
    path_and_query,
)

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
        "server_url": "https://idp.acme.com",
        "client_id": "normassess",
        "client_secret": "s3cret-value",
        "allowed_domains": "acme.com, Acme.co.uk",
        "groups_claim": "groups",
        "group_roles": "Hiring = recruiter\nSecurity = admin",
        "sso_only": "on",
        **overrides,
    }


def test_the_admin_sets_up_the_identity_provider_and_the_secret_is_never_shown(admin_browser):
    org, browser = admin_browser
    url = "/org/acme/settings/sso/"
    assert browser.post(url, settings_form()).status_code == 302
    sso = OrganizationSso.objects.get(organization=org)
    assert sso.allowed_domains == ["acme.co.uk", "acme.com"] and sso.sso_only
    assert sso.group_roles == {"hiring": "recruiter", "security": "admin"}
    assert (sso.app.provider_id, sso.app.secret) == ("org-acme", "s3cret-value")
    page = browser.get(url).text
    assert "s3cret-value" not in page and "/accounts/oidc/org-acme/login/callback/" in page
    # An empty secret keeps the one stored.
    assert browser.post(url, settings_form(client_secret="", sso_only="")).status_code == 302
    sso.refresh_from_db()
    assert sso.app.secret == "s3cret-value" and not sso.sso_only
    changes = AuditEvent.objects.filter(event="sso.settings_changed", organization=org)
    assert changes.count() == 2 and "s3cret" not in str(list(changes.values("details")))
    # The sign-in page leads to the organization's provider.
    start = Client().post("/org/sso/", {"organization": "ACME"})
    assert start.status_code == 200 and 'action="/accounts/oidc/org-acme/login/"' in start.text
    # That page alone lets its form lead to the provider (the site's CSP: forms post to it).
    assert "form-action 'self' https://idp.acme.com" in start["Content-Security-Policy"]
    assert "idp.acme.com" not in Client().get("/org/sso/")["Content-Security-Policy"]
    assert Client().post("/org/sso/", {"organization": "globex"}).status_code == 400


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("server_url", "javascript:alert(1)", "Enter a valid URL"),
        ("server_url", "https://idp.acme.com/\nx", "single line"),
        ("client_id", "", "required"),
        ("allowed_domains", "not a domain!", "Not a domain name"),
        ("allowed_domains", " ".join(f"d{i}.com" for i in range(21)), "At most 20"),
        ("allowed_domains", "acme.com\x00", "NUL"),
        ("groups_claim", "groups; drop", "Letters, digits"),
        ("group_roles", "Hiring = owner", "the role must be one of"),
        ("server_url", "https://idp.acme.com/" + "a" * 600, "at most 500"),
    ],
)
def test_bad_settings_get_a_clear_message(admin_browser, field, value, message):
    org, browser = admin_browser
    response = browser.post("/org/acme/settings/sso/", settings_form(**{field: value}))
    assert response.status_code == 400 and message in response.text
    assert not OrganizationSso.objects.exists()


def test_only_the_admin_reaches_the_sso_settings(admin_browser):
    org, _ = admin_browser
    recruiter = Client()
    recruiter.force_login(Membership.objects.get(role=Role.RECRUITER).user)
    assert recruiter.get("/org/acme/settings/sso/").status_code == 403
    assert recruiter.post("/org/acme/settings/sso/", settings_form()).status_code == 403
    assert not OrganizationSso.objects.exists()


def test_a_replayed_callback_is_refused_and_audited(idp, acme):
    browser = Client()
    start = browser.post(f"/accounts/oidc/{PROVIDER_ID}/login/")
    back = path_and_query(idp.sign_in(start["Location"], "ada"))
    assert browser.get(back).status_code == 302
    browser.post("/org/logout/")
    replayed = Client().get(back)  # the same code and state, from anyone's browser
    assert replayed.status_code == 400 and "could not be trusted" in replayed.text
    again = browser.get(back)
    assert again.status_code == 400
    assert AuditEvent.objects.filter(event="sso.signin_refused", organization=acme).count() == 2


@pytest.fixture(scope="module")
def forger(idp):
    proxy = ForgingTokenEndpoint(idp.issuer)
    yield proxy
    proxy.stop()


@pytest.mark.parametrize(
    "forge",
    [
        {"aud": "another-client"},  # an id token issued to another site
        {"exp": 1_000_000_000},  # expired in 2001
        {"iss": "http://127.0.0.1:9/evil"},  # from another issuer
    ],
    ids=["wrong-audience", "expired", "wrong-issuer"],
)
def test_an_id_token_not_meant_for_us_is_refused_and_audited(idp, acme, forger, forge):
    forged_discovery = {"server_url": forger.url, "scope": ["openid", "email", "profile", "groups"]}
    SocialApp.objects.filter(provider_id=PROVIDER_ID).update(settings=forged_discovery)
    forger.forge = forge
    browser, done = sign_in(idp, "ada")
    assert done.status_code == 400 and "could not be trusted" in done.text
    assert not Membership.objects.filter(organization=acme).exists()
    assert browser.get("/org/acme/assessments/").status_code == 302
    assert AuditEvent.objects.filter(event="sso.signin_refused", organization=acme).exists()
    # The same provider without the forger signs ada in: the refusal was the forged claim.
    forger.forge = {}
    _, done = sign_in(idp, "ada")
    assert done.status_code == 302
