"""Each recorded event where it happens, as the organization's admin then reads it: report
views and exports, share links created and opened, invitations sent, a candidate's
erasure, API tokens created and used, members added and given another role. Never the
link, the token or the candidate's email."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from assess.api.models import ApiToken
from assess.audit.models import AuditEvent
from assess.hiring.invitations import invitation_invite
from assess.models import Membership, Role
from assess.privacy.models import AuditSource
from assess.privacy.services import candidate_erase
from tests.api.conftest import graded_attempt
from tests.assess import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org, django_user_model):
    def user(name, role):
        u = django_user_model.objects.create_user(name, f"{name}@example.com")
        Membership.objects.create(user=u, organization=org, role=role)
        return u

    return {"admin": user("ada", Role.ADMIN), "reviewer": user("victor", Role.REVIEWER)}


@pytest.fixture
def attempt(org, bank):
    assessment = factories.make_assessment(org, [bank["single"]])
    return graded_attempt(assessment, "Casey Candidate")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def trail(org, event):
    return list(AuditEvent.objects.filter(organization=org, event=event))


def test_report_views_exports_and_share_links_are_recorded(org, people, attempt):
    victor = signed_in(people["reviewer"])
    assert victor.get(reverse("org:report", args=[org.slug, attempt.pk])).status_code == 200
    assert victor.get(reverse("org:attempt_review", args=[org.slug, attempt.pk])).status_code == 200
    assert victor.get(reverse("org:export_csv", args=[org.slug])).status_code == 200
    viewed = trail(org, "report.viewed")
    assert {(v.actor_id, v.target_id, v.details["page"]) for v in viewed} == {
        (people["reviewer"].pk, str(attempt.pk), "report"),
        (people["reviewer"].pk, str(attempt.pk), "review"),
    }
    assert trail(org, "report.exported")[0].details == {"export": "results_csv"}

    page = victor.post(reverse("org:report_share", args=[org.slug, attempt.pk]), {"days": "3"})
    link = re.search(r"http://testserver(/shared/[^\"<\s]+)", page.content.decode()).group(1)
    (created,) = trail(org, "share_link.created")
    assert created.target_type == "assess.reportshare" and created.details == {"days": 3}
    assert Client(REMOTE_ADDR="203.0.113.50").get(link).status_code == 200
    (opened,) = trail(org, "share_link.opened")
    assert (opened.actor_id, opened.address, opened.target_id) == (
        None,
        "203.0.113.50",
        str(attempt.pk),
    )
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert token not in str(AuditEvent.objects.values_list())


def test_an_invitation_sent_and_an_erasure_are_recorded_without_the_candidate(org, people, bank):
    assessment = factories.make_assessment(org, [bank["single"]])
    invitation, token = invitation_invite(
        assessment,
        name="Casey Candidate",
        email="casey@candidates.example",
        user=people["admin"],
        base_url="http://testserver",
    )
    (sent,) = trail(org, "invitation.sent")
    assert (sent.actor_id, sent.target_id) == (people["admin"].pk, str(invitation.pk))
    candidate_erase(invitation, source=AuditSource.ADMIN, actor=people["admin"])
    (erased,) = trail(org, "candidate.erased")
    assert erased.target_id == str(invitation.pk) and erased.details == {"source": "admin"}
    everything = str(AuditEvent.objects.values_list())
    assert token not in everything and "casey" not in everything.lower()


def test_api_tokens_created_and_used_are_recorded_once_per_resolution(org):
    out = StringIO()
    call_command("create_api_token", org=org.slug, name="ATS", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip()
    token = ApiToken.objects.get()
    (created,) = trail(org, "api_token.created")
    assert created.target_id == str(token.pk)
    client = APIClient(REMOTE_ADDR="192.0.2.80")
    for _ in range(3):
        response = client.get("/api/v1/assessments/", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 200
    (used,) = trail(org, "api_token.used")
    assert (used.address, used.target_id) == ("192.0.2.80", str(token.pk))
    assert raw not in str(AuditEvent.objects.values_list())


def test_members_added_and_roles_changed_in_the_admin_are_recorded(org, people, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    newcomer = django_user_model.objects.create_user("nina", "nina@example.com")
    victor = Membership.objects.get(user=people["reviewer"])
    ada = Membership.objects.get(user=people["admin"])
    data = {
        "name": org.name,
        "slug": org.slug,
        "memberships-TOTAL_FORMS": "3",
        "memberships-INITIAL_FORMS": "2",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": str(ada.pk),
        "memberships-0-organization": str(org.pk),
        "memberships-0-user": str(ada.user_id),
        "memberships-0-role": "admin",
        "memberships-1-id": str(victor.pk),
        "memberships-1-organization": str(org.pk),
        "memberships-1-user": str(victor.user_id),
        "memberships-1-role": "admin",  # victor becomes an admin
        "memberships-2-organization": str(org.pk),
        "memberships-2-user": str(newcomer.pk),
        "memberships-2-role": "recruiter",
    }
    response = signed_in(root).post(
        reverse("admin:assess_organization_change", args=[org.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    (changed,) = trail(org, "role.changed")
    assert (changed.target_id, changed.details) == (str(victor.user_id), {"role": "admin"})
    (added,) = trail(org, "member.added")
    assert (added.target_id, added.actor_id) == (str(newcomer.pk), root.pk)
