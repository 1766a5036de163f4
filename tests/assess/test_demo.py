"""`make run`'s demo: logins, a demo assessment and a working candidate link."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from assess.models import Membership

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)  # pytest-django runs tests with DEBUG off
def test_demo_setup_prints_logins_and_a_candidate_link_that_opens(client, capsys):
    call_command("loadbank", verbosity=0)
    call_command("demo_setup", "--base-url", "http://testserver")
    out = capsys.readouterr().out
    assert "recruiter  username: recruiter" in out and "reviewer   username: reviewer" in out
    assert set(Membership.objects.values_list("user__username", "role")) == {
        ("recruiter", "recruiter"),
        ("reviewer", "reviewer"),
        ("admin", "admin"),
    }
    link = re.search(r"http://testserver(/t/[^/\s]+/)", out).group(1)
    page = client.get(link)
    assert page.status_code == 200
    assert "Normalization screen (demo)" in page.content.decode()
    # Through the sign-in page, as a person would (the lockout backend wants the request).
    signed_in = client.post(
        reverse("org:login"), {"username": "recruiter", "password": "normdemo-2026"}
    )
    assert signed_in.status_code == 302
    assert client.session.get("_auth_user_id")


@override_settings(DEBUG=True)
def test_demo_setup_twice_keeps_one_organization_and_assessment(capsys):
    call_command("loadbank", verbosity=0)
    call_command("demo_setup")
    call_command("demo_setup")
    assert Membership.objects.count() == 3
    from assess.models import Assessment

    assert Assessment.objects.filter(title="Normalization screen (demo)").count() == 1


@override_settings(DEBUG=False)
def test_demo_setup_refuses_in_production():
    with pytest.raises(CommandError, match="refusing to create demo users"):
        call_command("demo_setup")


def test_a_short_password_is_refused():
    with pytest.raises(CommandError, match="at least 8 characters"):
        call_command("demo_setup", "--password", "short")


@override_settings(DEBUG=True)
def test_demo_setup_again_keeps_passwords_sessions_and_one_demo_candidate(client, capsys):
    from django.contrib.auth import get_user_model

    from assess.models import Invitation

    call_command("loadbank", verbosity=0)
    call_command("demo_setup")
    User = get_user_model()
    admin = User.objects.get(username="admin")
    admin.set_password("chosen-by-ada-2026")  # the admin picked their own password
    admin.save()
    hashes = dict(User.objects.values_list("username", "password"))
    capsys.readouterr()
    call_command("demo_setup")
    out = capsys.readouterr().out
    assert dict(User.objects.values_list("username", "password")) == hashes
    assert "admin      username: admin      password: (changed by its user" in out
    assert "recruiter  username: recruiter  password: normdemo-2026" in out
    assert Invitation.objects.filter(candidate_name="Demo Candidate").count() == 1

    call_command("demo_setup", "--reset-passwords")
    assert User.objects.get(username="admin").check_password("normdemo-2026")
