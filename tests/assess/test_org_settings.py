"""The organization's settings page: only its admins switch the candidates' feedback
report, through the same gate as every hiring-team page, and bad input gets a message."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from assess.attempts.services import attempt_start, attempt_submit
from assess.models import Membership, Role
from tests.assess import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db, django_user_model, org):
    other = factories.make_org("globex")

    def user(name, organization, role):
        u = django_user_model.objects.create_user(name)
        Membership.objects.create(user=u, organization=organization, role=role)
        return u

    return {
        # acme's admin: the only one who may change acme's settings.
        "admin": user("ada", org, Role.ADMIN),
        # acme's recruiter and reviewer: they work in acme but do not run it.
        "recruiter": user("rita", org, Role.RECRUITER),
        "reviewer": user("victor", org, Role.REVIEWER),
        # globex's admin: an admin, but of another organization.
        "other_admin": user("olga", other, Role.ADMIN),
    }


def settings_url(slug="acme"):
    return reverse("org:org_settings", args=[slug])


def test_the_admin_switches_it_on_and_the_candidate_done_page_links_the_report(
    client, people, org, invitation
):
    inv, token = invitation
    attempt_submit(attempt_start(inv))
    done = reverse("assess:attempt_done", args=[token])
    feedback = reverse("assess:attempt_feedback", args=[token])
    assert feedback not in client.get(done).content.decode()
    assert client.get(feedback).status_code == 404

    admin = Client()
    admin.force_login(people["admin"])
    page = admin.get(settings_url()).content.decode()
    assert "the hidden tests" in page  # the line saying what candidates will (not) see
    assert re.search(r'value="off"[^>]* checked', page)  # off until an admin says so
    response = admin.post(settings_url(), {"candidate_feedback": "on"}, follow=True)
    assert "Saved: the candidates&#x27; feedback report is on." in response.content.decode()
    org.refresh_from_db()
    assert org.candidate_feedback is True

    assert feedback in client.get(done).content.decode()
    assert client.get(feedback).status_code == 200

    admin.post(settings_url(), {"candidate_feedback": "off"})
    assert feedback not in client.get(done).content.decode()
    assert client.get(feedback).status_code == 404


def test_the_nav_links_the_settings_for_admins_only(client, people):
    for persona, linked in (("admin", True), ("recruiter", False), ("reviewer", False)):
        client.force_login(people[persona])
        page = client.get(reverse("org:candidates", args=["acme"]), follow=True)
        if page.status_code == 403:
            page = client.get(reverse("org:dashboard", args=["acme"]))
        assert (settings_url() in page.content.decode()) is linked, persona


@pytest.mark.parametrize("persona, status", [("recruiter", 403), ("reviewer", 403)])
def test_recruiters_and_reviewers_get_403_and_change_nothing(client, people, org, persona, status):
    client.force_login(people[persona])
    assert client.get(settings_url()).status_code == status
    assert client.post(settings_url(), {"candidate_feedback": "on"}).status_code == status
    org.refresh_from_db()
    assert org.candidate_feedback is False


def test_another_organizations_admin_cannot_see_or_change_it(client, people, org):
    client.force_login(people["other_admin"])
    assert client.get(settings_url()).status_code == 404
    assert client.post(settings_url(), {"candidate_feedback": "on"}).status_code == 404
    org.refresh_from_db()
    assert org.candidate_feedback is False
    # Their own organization's page is theirs.
    assert client.get(settings_url("globex")).status_code == 200


def test_anonymous_visitors_go_to_the_sign_in_page(client, people):
    response = client.post(settings_url(), {"candidate_feedback": "on"})
    assert response.status_code == 302 and reverse("org:login") in response["Location"]


def test_a_post_without_the_csrf_token_is_refused(people, org):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["admin"])
    assert strict.post(settings_url(), {"candidate_feedback": "on"}).status_code == 403
    org.refresh_from_db()
    assert org.candidate_feedback is False


@pytest.mark.parametrize(
    "value",
    ["", "maybe", "true", "1", "ON", "on\x00", "\x00", "x" * 100_000, "NaN", "-1", "<script>"],
)
def test_bad_values_get_a_clear_message_and_change_nothing(client, people, org, value):
    client.force_login(people["admin"])
    response = client.post(settings_url(), {"candidate_feedback": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose on or off." in html
    assert "<script>" not in html.split("</header>")[-1]
    assert len(html) < 50_000  # the value is not echoed back
    org.refresh_from_db()
    assert org.candidate_feedback is False


def test_a_missing_field_gets_the_same_message(client, people, org):
    client.force_login(people["admin"])
    response = client.post(settings_url(), {})
    assert response.status_code == 400 and "Choose on or off." in response.content.decode()
    assert client.put(settings_url()).status_code == 405
