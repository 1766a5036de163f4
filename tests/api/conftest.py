"""Personas for the API's tests, each with a purpose:

- `acme` is the organization whose API token the tests use (`token_acme`, no bank scope);
  `token_acme_bank` is a staff integration's token with the bank scope.
- `globex` is another organization with its own assessment, invitation, graded attempt,
  webhook endpoint and delivery: nothing of it may ever show through acme's token.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from assess.api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.models import Assessment, Attempt, Invitation, Organization
from tests.assess import factories


@dataclass
class OrgWorld:
    org: Organization
    assessment: Assessment
    invitation: Invitation
    attempt: Attempt  # submitted and fully graded
    endpoint: WebhookEndpoint
    delivery: WebhookDelivery


def graded_attempt(assessment: Assessment, name: str) -> Attempt:
    """A candidate answers the single-choice question correctly and submits: graded at once."""
    invitation, _ = factories.make_invitation(assessment, name=name)
    attempt = attempt_start(invitation)
    answer = attempt.answers.select_related("question_version").get()
    correct = next(
        i for i, c in enumerate(answer.question_version.content["choices"]) if c["correct"]
    )
    answer_save(attempt, answer.position, correct, answer.revision)
    return attempt_submit(attempt)


def make_world(slug: str, bank) -> OrgWorld:
    org = factories.make_org(slug)
    assessment = factories.make_assessment(org, [bank["single"]])
    attempt = graded_attempt(assessment, f"{slug.title()} Candidate")
    endpoint = WebhookEndpoint.objects.create(
        organization=org, url=f"https://hooks.{slug}.example/normassess"
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=f"evt_{slug}",
        event_type="attempt.graded",
        payload={"secret": f"{slug} data"},
    )
    return OrgWorld(org, assessment, attempt.invitation, attempt, endpoint, delivery)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # The throttles count in the cache; every test starts with none used.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bank(db):
    return factories.make_bank()


@pytest.fixture
def acme(bank) -> OrgWorld:
    return make_world("acme", bank)


@pytest.fixture
def globex(bank) -> OrgWorld:
    return make_world("globex", bank)


@pytest.fixture
def token_acme(acme) -> str:
    return ApiToken.issue(acme.org, "ATS")[1]


@pytest.fixture
def token_acme_bank(acme) -> str:
    return ApiToken.issue(acme.org, "Staff tools", can_read_bank=True)[1]


def client_for(token: str | None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def api(token_acme) -> APIClient:
    """acme's ATS."""
    return client_for(token_acme)


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The one error body: {"error": {"code", "message", ["fields"]}} and nothing else."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]
