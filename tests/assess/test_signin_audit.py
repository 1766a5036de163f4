"""Signing in through django-allauth at /org/login/, as the team always has, and what the
audit trail then shows the organization's admin: sign-ins, failures (never the typed
password or an unknown typed name), lockouts and sign-outs."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assess.audit.models import AuditEvent
from assess.models import Membership, Role

pytestmark = pytest.mark.django_db

PASSWORD = "rita-right-2026"


@pytest.fixture
def rita(org, django_user_model, settings):
    """A recruiter of acme who signs in with a password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_DELAY_SECONDS = 0
    user = django_user_model.objects.create_user("rita", "rita@example.com", PASSWORD)
    Membership.objects.create(user=user, organization=org, role=Role.RECRUITER)
    return user


def sign_in(client, username, password, address="198.51.100.7"):
    return client.post(
        reverse("org:login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_the_sign_in_page_keeps_its_address_and_fields(client):
    page = client.get(reverse("org:login"))
    assert reverse("org:login") == "/org/login/"
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="username"' in body and 'name="password"' in body


def test_a_sign_in_and_a_sign_out_are_in_the_organizations_trail(client, org, rita):
    response = sign_in(client, "rita", PASSWORD)
    assert response.status_code == 302 and client.session.get("_auth_user_id") == str(rita.pk)
    row = AuditEvent.objects.get(event="signin.succeeded")
    assert (row.organization_id, row.actor_id, row.address) == (org.pk, rita.pk, "198.51.100.7")
    client.post(reverse("org:logout"))
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event="signout", actor=rita, organization=org).exists()


def test_a_wrong_password_is_recorded_against_the_account_without_the_password(org, rita):
    page = sign_in(Client(), "rita", "Secret-Guess-1")
    assert page.status_code == 200 and "Please enter a correct username and password" in (
        page.content.decode()
    )
    row = AuditEvent.objects.get(event="signin.failed")
    assert (row.organization_id, row.target_id, row.actor_id) == (org.pk, str(rita.pk), None)
    assert row.details == {"known_account": True, "throttled": False}
    assert "Secret-Guess-1" not in str(AuditEvent.objects.values_list())


def test_a_failure_for_an_unknown_name_keeps_nothing_of_what_was_typed(org, rita):
    sign_in(Client(), "my-password-by-mistake", "x")
    row = AuditEvent.objects.get(event="signin.failed")
    assert row.organization_id is None and row.details["known_account"] is False
    assert "my-password-by-mistake" not in str(AuditEvent.objects.values_list())


def test_a_lockout_is_recorded(settings, org, rita):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    statuses = [sign_in(client, "rita", f"wrong-{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert AuditEvent.objects.filter(event="signin.locked", organization=org).count() == 1
    assert AuditEvent.objects.filter(event="signin.failed", organization=org).count() == 3


def test_no_one_signs_up_on_their_own(client):
    page = client.post(
        "/accounts/signup/",
        {"username": "eve", "password1": "Eve-pass-2026!", "password2": "Eve-pass-2026!"},
    )
    assert page.status_code == 200 and "closed" in page.content.decode().lower()
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="eve").exists()
