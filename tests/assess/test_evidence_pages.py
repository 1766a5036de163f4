"""The reviewer's integrity page (summary and decision) and the test's policy: who may see
and change them, what hostile input gets, and what the candidate reads before starting."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assess.attempts.services import attempt_start
from assess.audit.models import AuditEvent
from assess.evidence.models import IntegrityDecision, IntegrityPolicy
from assess.evidence.policy import integrity_policy_set
from assess.models import Membership, Role
from tests.assess import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(invitation):
    return attempt_start(invitation[0])


def integrity_url(attempt, slug="acme"):
    return reverse("org:attempt_integrity", args=[slug, attempt.pk])


def test_the_reviewer_records_decisions_and_the_earlier_ones_stay(client, reviewer, attempt):
    url = integrity_url(attempt)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Review suggested:" in html and "not enough data" in html
    reply = client.post(url, {"decision": "confirmed_concern", "note": "One paste, whole answer."})
    assert reply.status_code == 302
    client.post(url, {"decision": "no_concern", "note": "Their own notes, they explained."})
    html = client.get(url).content.decode()
    assert "In force: <strong>No concern</strong> by victor" in html
    assert "Earlier decisions" in html and "One paste, whole answer." in html
    rows = list(IntegrityDecision.objects.values_list("decision", "reviewer__username"))
    assert rows == [("no_concern", "victor"), ("confirmed_concern", "victor")]
    trail = AuditEvent.objects.filter(event="integrity.decided", organization=attempt.organization)
    assert sorted((e.actor.username, e.details["decision"]) for e in trail) == [
        ("victor", "confirmed_concern"),
        ("victor", "no_concern"),
    ]
    assert all("note" not in e.details for e in trail)


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"decision": "reject_candidate"},
        {"decision": ["no_concern", "confirmed_concern"], "note": "two"},
        {"decision": "no_concern", "note": "nul \x00 inside"},
        {"decision": "no_concern", "note": "x" * 2001},
        {"decision": "no_concern\x00"},
    ],
    ids=["empty", "unknown", "two", "nul", "huge", "nul-choice"],
)
def test_a_bad_decision_is_a_clear_400_and_records_nothing(client, reviewer, attempt, form):
    reply = client.post(integrity_url(attempt), form)
    assert reply.status_code == 400
    assert not IntegrityDecision.objects.exists()


def test_recruiters_candidates_and_other_organizations_cannot_reach_the_evidence(
    client, attempt, django_user_model
):
    url = integrity_url(attempt)
    assert client.get(url).status_code == 302  # to the sign-in page
    rita = django_user_model.objects.create_user("rita", password="pw-rita-12345678")
    Membership.objects.create(user=rita, organization=attempt.organization, role=Role.RECRUITER)
    client.force_login(rita)
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "no_concern"}).status_code == 403
    other = factories.make_org("other")
    olga = django_user_model.objects.create_user("olga", password="pw-olga-12345678")
    Membership.objects.create(user=olga, organization=other, role=Role.ADMIN)
    client.force_login(olga)
    assert client.get(url).status_code == 404
    assert client.get(integrity_url(attempt, "other")).status_code == 404
    assert (
        client.post(integrity_url(attempt, "other"), {"decision": "no_concern"}).status_code == 404
    )
    assert not IntegrityDecision.objects.exists()


def test_the_recruiter_sets_the_policy_and_the_candidate_reads_it_before_starting(
    client, recruiter, assessment, invitation
):
    url = reverse("org:integrity_policy", args=["acme", assessment.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"ai_assistance_allowed": "on"}).status_code == 302
    policy = IntegrityPolicy.objects.get(assessment=assessment)
    assert policy.ai_assistance_allowed and not policy.outside_paste_allowed
    client.logout()
    _, token = invitation
    landing = client.get(reverse("assess:attempt_landing", args=[token])).content.decode()
    assert "<strong>Pasting from outside this page:</strong> not allowed" in landing
    assert (
        "AI assistants</strong> (chat models, code completion from outside this page): allowed"
        in landing
    )
    assert "Reviewers can replay it" in landing


def test_a_test_without_a_policy_allows_both(client, invitation):
    _, token = invitation
    landing = client.get(reverse("assess:attempt_landing", args=[token])).content.decode()
    assert "<strong>Pasting from outside this page:</strong> allowed" in landing


def test_only_the_organizations_builders_change_its_policy(
    client, reviewer, assessment, django_user_model
):
    url = reverse("org:integrity_policy", args=["acme", assessment.pk])
    assert client.post(url, {}).status_code == 403  # a reviewer builds nothing
    other = factories.make_org("other")
    olga = django_user_model.objects.create_user("olga", password="pw-olga-12345678")
    Membership.objects.create(user=olga, organization=other, role=Role.ADMIN)
    client.force_login(olga)
    assert (
        client.post(reverse("org:integrity_policy", args=["other", assessment.pk])).status_code
        == 404
    )
    assert not IntegrityPolicy.objects.exists()


def test_the_paste_warning_is_on_the_coding_page_only_when_the_policy_forbids(
    client, attempt, invitation
):
    _, token = invitation
    url = reverse("assess:attempt_question", args=[token, 5])
    assert 'id="paste-warning"' not in client.get(url).content.decode()
    integrity_policy_set(
        attempt.assessment, ai_assistance_allowed=True, outside_paste_allowed=False
    )
    assert 'id="paste-warning"' in client.get(url).content.decode()


def test_the_report_outside_the_review_carries_the_decision_only(
    client, recruiter, attempt, django_user_model
):
    from assess.attempts.services import attempt_submit
    from assess.evidence.services import integrity_decide

    attempt_submit(attempt)
    report = reverse("org:report", args=["acme", attempt.pk])
    assert "Integrity review" not in client.get(report).content.decode()
    victor = django_user_model.objects.create_user("victor2", password="pw-victor-12345678")
    integrity_decide(attempt, "confirmed_concern", "Pasted in two pieces at 0:40.", victor)
    html = client.get(report).content.decode()
    assert "Integrity review: <strong>Confirmed concern</strong>" in html
    assert "Pasted in two pieces" not in html and "Review suggested" not in html
    assert "paste from outside" not in html.lower()


def test_the_api_gives_the_decision_only(db, django_user_model):
    from rest_framework.test import APIClient

    from assess.api.models import ApiToken
    from assess.evidence.services import integrity_decide
    from tests.api.conftest import graded_attempt

    bank = factories.make_bank("single")
    org = factories.make_org("acme")
    attempt = graded_attempt(factories.make_assessment(org, [bank["single"]]), "Ann Api")
    token = ApiToken.issue(org, "ATS")[1]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/attempts/{attempt.pk}/"
    assert api.get(url).json()["integrity_decision"] is None
    victor = django_user_model.objects.create_user("victor3", password="pw-victor-12345678")
    integrity_decide(attempt, "no_concern", "Their own notes, said so.", victor)
    body = api.get(url).json()
    assert body["integrity_decision"]["decision"] == "no_concern"
    assert "Their own notes" not in str(body) and "suggested" not in str(body)
