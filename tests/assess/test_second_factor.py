"""Second factors as the hiring team meets them (allauth.mfa, real enrolment, codes from
pyotp): a member adds an authenticator app, signs in with its code or a recovery code; a
wrong or replayed code is refused and audited; an organization that requires a second
factor keeps its members on the enrolment pages until they add one; its admin sees who has
one and resets a lost one (another admin only), which is audited."""

from __future__ import annotations

import re
import time
from urllib.parse import urlparse

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from assess.accounts.models import SecurityPolicy
from assess.audit.models import AuditEvent
from assess.models import Membership, Role
from tests.assess import factories
from tests.support.clock import clear_of_a_window_edge

pytestmark = pytest.mark.django_db

PASSWORD = "team-right-2026"
ADDRESS = "198.51.100.7"


@pytest.fixture(autouse=True)
def fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_DELAY_SECONDS = 0
    cache.clear()  # allauth remembers used codes in the cache


@pytest.fixture
def people(org, django_user_model):
    other = factories.make_org("globex")

    def user(name, organization, role):
        u = django_user_model.objects.create_user(name, f"{name}@example.com", PASSWORD)
        Membership.objects.create(user=u, organization=organization, role=role)
        return u

    return {
        # acme's admins: ada runs its security page; alan is the second admin.
        "admin": user("ada", org, Role.ADMIN),
        "admin2": user("alan", org, Role.ADMIN),
        # acme's recruiter, who enrols a second factor.
        "recruiter": user("rita", org, Role.RECRUITER),
        # globex's admin: never touches acme's members.
        "other_admin": user("olga", other, Role.ADMIN),
    }


def sign_in(username: str, client: Client | None = None):
    client = client or Client(REMOTE_ADDR=ADDRESS)
    response = client.post(reverse("org:login"), {"username": username, "password": PASSWORD})
    return client, response


@pytest.fixture
def enrol_totp(django_capture_on_commit_callbacks):
    """allauth announces a new factor once its transaction commits (the audit listens)."""

    def enrol(client: Client) -> pyotp.TOTP:
        with django_capture_on_commit_callbacks(execute=True):
            return _enrol_totp(client)

    return enrol


def _enrol_totp(client: Client) -> pyotp.TOTP:
    """Through allauth's pages, as a person with an authenticator app would: the password
    again (adding a factor asks for it), then the app's first code."""
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code == 302:
        assert urlparse(response["Location"]).path == reverse("account_reauthenticate")
        again = client.post(response["Location"], {"password": PASSWORD})
        assert again.status_code == 302
        response = client.get(reverse("mfa_activate_totp"))
    page = response.content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page) or re.search(
        r'value="([A-Z2-7]{16,})"', page
    )
    totp = pyotp.TOTP(secret.group(1))
    response = client.post(reverse("mfa_activate_totp"), {"code": totp.now()})
    assert response.status_code == 302, response.content.decode()[:3000]
    return totp


def recovery_codes_of(user) -> list[str]:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    return RecoveryCodes(
        Authenticator.objects.get(user=user, type="recovery_codes")
    ).get_unused_codes()


def test_a_member_enrols_an_app_and_then_signs_in_with_its_code(org, people, enrol_totp):
    rita = people["recruiter"]
    client, _ = sign_in("rita")
    totp = enrol_totp(client)
    assert Authenticator.objects.filter(user=rita, type="totp").exists()
    assert AuditEvent.objects.filter(event="mfa.enrolled", organization=org, actor=rita).exists()

    fresh, response = sign_in("rita")
    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("mfa_authenticate")
    assert "_auth_user_id" not in fresh.session  # the password alone signs no one in
    done = fresh.post(reverse("mfa_authenticate"), {"code": totp.now()})
    assert done.status_code == 302 and fresh.session["_auth_user_id"] == str(rita.pk)
    assert fresh.get(reverse("org:home"), follow=True).status_code == 200


def test_a_wrong_code_and_a_replayed_code_are_refused_and_audited(org, people, enrol_totp):
    rita = people["recruiter"]
    client, _ = sign_in("rita")
    totp = enrol_totp(client)
    code = totp.now()

    first, _ = sign_in("rita")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page = first.post(reverse("mfa_authenticate"), {"code": wrong})
    assert page.status_code == 200 and "Incorrect code" in page.content.decode()
    assert "_auth_user_id" not in first.session
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302

    second, _ = sign_in("rita")  # someone who watched the code being typed
    page = second.post(reverse("mfa_authenticate"), {"code": code})
    assert page.status_code == 200 and "_auth_user_id" not in second.session
    failures = AuditEvent.objects.filter(event="mfa.failed", organization=org, actor=rita)
    assert failures.count() == 2
    assert code not in str(AuditEvent.objects.values_list())


def test_a_recovery_code_signs_in_once(org, people, enrol_totp):
    rita = people["recruiter"]
    client, _ = sign_in("rita")
    enrol_totp(client)
    code = recovery_codes_of(rita)[0]
    lost_phone, _ = sign_in("rita")
    assert lost_phone.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert lost_phone.session["_auth_user_id"] == str(rita.pk)
    again, _ = sign_in("rita")
    assert again.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
    assert "_auth_user_id" not in again.session


@pytest.mark.parametrize("code", ["", "x" * 10_000, "12\x0034", "NaN", "<script>", "１２３４５６"])
def test_hostile_codes_get_the_form_back(org, people, code, enrol_totp):
    client, _ = sign_in("rita")
    enrol_totp(client)
    fresh, _ = sign_in("rita")
    page = fresh.post(reverse("mfa_authenticate"), {"code": code})
    assert page.status_code == 200 and "_auth_user_id" not in fresh.session


def test_a_required_second_factor_keeps_the_member_on_the_enrolment_pages(org, people, enrol_totp):
    SecurityPolicy.objects.create(organization=org, require_second_factor=True)
    client, response = sign_in("rita")
    assert response.status_code == 302
    for url in (reverse("org:home"), reverse("org:candidates", args=[org.slug]), "/admin/"):
        page = client.get(url)
        assert page.status_code == 302 and urlparse(page["Location"]).path == reverse("mfa_index")
    assert "requires a second factor" in client.get(reverse("mfa_index")).content.decode()
    enrol_totp(client)
    assert client.get(reverse("org:candidates", args=[org.slug])).status_code == 200
    # globex requires nothing: its members go where they like.
    other, _ = sign_in("olga")
    assert other.get(reverse("org:home"), follow=True).status_code == 200


def test_the_admin_sees_who_has_a_second_factor_and_another_admin_resets_it(
    org, people, enrol_totp
):
    rita, ada = people["recruiter"], people["admin"]
    rita_client, _ = sign_in("rita")
    enrol_totp(rita_client)
    admin, _ = sign_in("ada")
    page = admin.get(reverse("org:security", args=[org.slug])).content.decode()
    row = re.search(r'<tr data-member="rita">.*?</tr>', page, re.S).group(0)
    assert "authenticator app" in row
    assert "<strong>none</strong>" in re.search(
        r'<tr data-member="alan">.*?</tr>', page, re.S
    ).group(0)

    reset = reverse("org:member_factors_reset", args=[org.slug, rita.pk])
    assert admin.post(reset).status_code == 302
    assert not Authenticator.objects.filter(user=rita).exists()
    assert rita_client.get(reverse("org:home")).status_code == 302  # her session ended
    row = AuditEvent.objects.get(event="mfa.reset_by_admin")
    assert (row.organization_id, row.actor_id, row.target_id) == (org.pk, ada.pk, str(rita.pk))

    # Nobody resets their own (a stolen session must not strip its owner's factor).
    ada_totp = enrol_totp(admin)
    assert ada_totp
    admin.post(reverse("org:member_factors_reset", args=[org.slug, ada.pk]))
    assert Authenticator.objects.filter(user=ada, type="totp").exists()


def test_another_organizations_admin_cannot_see_or_reset_acmes_members(org, people, enrol_totp):
    rita = people["recruiter"]
    rita_client, _ = sign_in("rita")
    enrol_totp(rita_client)
    olga, _ = sign_in("olga")
    assert olga.get(reverse("org:security", args=[org.slug])).status_code == 404
    assert (
        olga.post(reverse("org:member_factors_reset", args=[org.slug, rita.pk])).status_code == 404
    )
    # Nor through her own organization's page.
    assert (
        olga.post(reverse("org:member_factors_reset", args=["globex", rita.pk])).status_code == 404
    )
    assert Authenticator.objects.filter(user=rita, type="totp").exists()
    assert not AuditEvent.objects.filter(event="mfa.reset_by_admin").exists()


@pytest.mark.parametrize("user_id", ["0", "-1", "abc", "9" * 40, "1%00", "NaN"])
def test_hostile_member_ids_are_404(org, people, user_id):
    admin, _ = sign_in("ada")
    url = f"/org/{org.slug}/security/members/{user_id}/reset-mfa/"
    assert admin.post(url).status_code == 404


def test_signing_in_through_djangos_admin_page_does_not_skip_the_second_factor(
    org, people, enrol_totp
):
    ada = people["admin"]
    ada.is_staff = True
    ada.save(update_fields=["is_staff"])
    client, _ = sign_in("ada")
    enrol_totp(client)
    sneaky = Client(REMOTE_ADDR=ADDRESS)
    response = sneaky.post(
        reverse("admin:login"), {"username": "ada", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302  # Django's page took the password alone
    page = sneaky.get(reverse("org:candidates", args=[org.slug]))
    assert urlparse(page["Location"]).path == reverse("org:login")
    assert "_auth_user_id" not in sneaky.session
    assert sneaky.get("/admin/").status_code == 302
    row = AuditEvent.objects.get(event="session.ended")
    assert row.details == {"reason": "second_factor_skipped"}
    # Through the team's page with the code, the same admin gets in.
    assert client.get(reverse("org:candidates", args=[org.slug])).status_code == 200


HOSTILE_TEXT = ["", "x" * 100_000, "12\x0034", "NaN", '{"a": ' * 500, "[]", "１２３４５６"]


@pytest.mark.parametrize("value", HOSTILE_TEXT)
def test_hostile_input_on_the_enrolment_and_passkey_forms_gets_an_answer_not_a_500(
    org, people, value
):
    client, _ = sign_in("rita")
    reauth = client.get(reverse("mfa_activate_totp"))["Location"]
    assert client.post(reauth, {"password": PASSWORD}).status_code == 302
    client.get(reverse("mfa_activate_totp"))
    body = {"code": value, "credential": value, "name": value, "passwordless": value}
    for name in ("mfa_activate_totp", "mfa_add_webauthn"):
        response = client.post(reverse(name), body)
        assert response.status_code in (200, 400), (name, response.status_code)
    assert not Authenticator.objects.filter(user=people["recruiter"]).exists()
    anonymous = Client(REMOTE_ADDR=ADDRESS)
    response = anonymous.post(reverse("mfa_login_webauthn"), {"credential": value})
    assert response.status_code in (200, 302, 400) and "_auth_user_id" not in anonymous.session
    response = client.post(reauth, {"password": value})
    assert response.status_code in (200, 400)


def test_a_code_typed_as_it_changes_is_accepted_but_an_older_one_is_not(org, people, enrol_totp):
    rita = people["recruiter"]
    client, _ = sign_in("rita")
    totp = enrol_totp(client)

    clear_of_a_window_edge(30)  # the codes computed here, checked a moment later
    stale, _ = sign_in("rita")
    two_windows_ago = totp.at(time.time() - 60)
    page = stale.post(reverse("mfa_authenticate"), {"code": two_windows_ago})
    assert page.status_code == 200 and "_auth_user_id" not in stale.session

    clear_of_a_window_edge(30)
    late, _ = sign_in("rita")
    page = late.post(reverse("mfa_authenticate"), {"code": totp.at(time.time() - 30)})
    assert page.status_code == 302 and late.session["_auth_user_id"] == str(rita.pk)
