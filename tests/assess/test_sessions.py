"""Sessions as the hiring team meets them: a member sees their own (device, address, last
seen) and ends one; an admin ends a member's; the organization's idle and absolute
timeouts sign a member out; each ending is in the audit trail. The admin's policy form
answers bad input with a message."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from assess.accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from assess.accounts.models import SecurityPolicy
from assess.audit.models import AuditEvent
from assess.models import Membership, Role
from tests.assess import factories

pytestmark = pytest.mark.django_db

PASSWORD = "team-right-2026"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari/604.1"


@pytest.fixture(autouse=True)
def fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(org, django_user_model):
    other = factories.make_org("globex")

    def user(name, organization, role):
        u = django_user_model.objects.create_user(name, f"{name}@example.com", PASSWORD)
        Membership.objects.create(user=u, organization=organization, role=role)
        return u

    return {
        "admin": user("ada", org, Role.ADMIN),  # acme's admin
        "recruiter": user("rita", org, Role.RECRUITER),  # acme's recruiter, on two devices
        "other_admin": user("olga", other, Role.ADMIN),  # globex's admin
    }


def sign_in(username, address="198.51.100.7", agent=LAPTOP) -> Client:
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    response = client.post(reverse("org:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def is_signed_in(client: Client) -> bool:
    response = client.get(reverse("org:my_sessions"))
    return response.status_code == 200


def test_a_member_sees_their_sessions_and_ends_the_one_on_a_lost_phone(org, people):
    rita = people["recruiter"]
    laptop = sign_in("rita")
    phone = sign_in("rita", "203.0.113.9", PHONE)
    page = laptop.get(reverse("org:my_sessions")).content.decode()
    assert "198.51.100.7" in page and "203.0.113.9" in page
    assert "iPhone" in page and "(this one)" in page
    lost = UserSession.objects.get(user=rita, ip="203.0.113.9")
    assert laptop.post(reverse("org:my_session_end", args=[lost.pk])).status_code == 302
    assert not is_signed_in(phone) and is_signed_in(laptop)
    row = AuditEvent.objects.get(event="session.ended")
    assert (row.organization_id, row.actor_id, row.details["reason"]) == (
        org.pk,
        rita.pk,
        "ended_by_member",
    )


@pytest.mark.parametrize("session_id", ["0", "abc", "9" * 40, "-1"])
def test_a_member_cannot_end_a_session_that_is_not_theirs(people, session_id):
    sign_in("ada")
    rita = sign_in("rita")
    ada_session = UserSession.objects.get(user=people["admin"])
    assert rita.post(reverse("org:my_session_end", args=[ada_session.pk])).status_code == 404
    assert rita.post(f"/org/me/sessions/{session_id}/end/").status_code == 404
    assert UserSession.objects.filter(pk=ada_session.pk).exists()


def test_an_admin_ends_a_members_sessions_and_another_orgs_admin_cannot(org, people):
    rita = people["recruiter"]
    devices = [sign_in("rita"), sign_in("rita", "203.0.113.9", PHONE)]
    olga = sign_in("olga")
    url = reverse("org:member_sessions_end", args=[org.slug, rita.pk])
    assert olga.post(url).status_code == 404
    assert (
        olga.post(reverse("org:member_sessions_end", args=["globex", rita.pk])).status_code == 404
    )
    assert all(is_signed_in(d) for d in devices)

    admin = sign_in("ada")
    page = admin.get(reverse("org:security", args=[org.slug])).content.decode()
    assert "End sessions" in page
    assert admin.post(url).status_code == 302
    assert not any(is_signed_in(d) for d in devices)
    ended = AuditEvent.objects.filter(event="session.ended", target_id=str(rita.pk))
    assert ended.count() == 2 and {e.details["reason"] for e in ended} == {"ended_by_admin"}


def age(client: Client, key: str, seconds: float) -> None:
    session = client.session
    session[key] -= seconds
    session.save()


def test_an_idle_session_ends_after_the_organizations_idle_timeout(org, people):
    SecurityPolicy.objects.create(organization=org, idle_timeout_minutes=30)
    client = sign_in("rita")
    age(client, LAST_SEEN_AT, 29 * 60)
    assert client.get(reverse("org:candidates", args=[org.slug])).status_code == 200
    age(client, LAST_SEEN_AT, 31 * 60)
    response = client.get(reverse("org:candidates", args=[org.slug]))
    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("org:login")
    assert "next=" in response["Location"]
    assert not is_signed_in(client)
    row = AuditEvent.objects.get(event="session.ended")
    assert (row.organization_id, row.details["reason"]) == (org.pk, "idle_timeout")


def test_a_busy_session_still_ends_at_the_absolute_timeout(org, people):
    SecurityPolicy.objects.create(organization=org, absolute_timeout_hours=8)
    client = sign_in("rita")
    age(client, SIGNED_IN_AT, 7 * 3600)
    assert is_signed_in(client)
    age(client, SIGNED_IN_AT, 3600 + 1)
    assert client.get(reverse("org:home")).status_code == 302
    assert not is_signed_in(client)
    assert AuditEvent.objects.get(event="session.ended").details["reason"] == "absolute_timeout"


def test_the_admin_sets_the_policy_and_it_is_audited(org, people):
    admin = sign_in("ada")
    url = reverse("org:security_policy", args=[org.slug])
    response = admin.post(
        url,
        {"require_second_factor": "on", "idle_timeout_minutes": "45", "absolute_timeout_hours": ""},
        follow=True,
    )
    assert "Saved" in response.content.decode()
    policy = SecurityPolicy.objects.get(organization=org)
    assert (policy.require_second_factor, policy.idle_timeout_minutes) == (True, 45)
    assert policy.absolute_timeout_hours is None
    row = AuditEvent.objects.get(event="security.settings_changed")
    assert row.details == {
        "require_second_factor": True,
        "idle_timeout_minutes": 45,
        "absolute_timeout_hours": None,
    }


def test_only_the_organizations_admins_set_its_policy(org, people):
    url = reverse("org:security_policy", args=[org.slug])
    assert sign_in("rita").post(url, {"idle_timeout_minutes": "5"}).status_code == 403
    assert sign_in("olga").post(url, {"idle_timeout_minutes": "5"}).status_code == 404
    assert sign_in("olga").get(reverse("org:security", args=[org.slug])).status_code == 404
    assert not SecurityPolicy.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("idle_timeout_minutes", "NaN"),
        ("idle_timeout_minutes", "4"),
        ("idle_timeout_minutes", "-30"),
        ("idle_timeout_minutes", "9" * 400),
        ("idle_timeout_minutes", "1e3"),
        ("idle_timeout_minutes", "30\x00"),
        ("absolute_timeout_hours", "0"),
        ("absolute_timeout_hours", "100000"),
        ("absolute_timeout_hours", "<script>"),
    ],
)
def test_a_bad_policy_value_gets_a_message_not_a_500(org, people, field, value):
    admin = sign_in("ada")
    response = admin.post(reverse("org:security_policy", args=[org.slug]), {field: value})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert not SecurityPolicy.objects.exists()
