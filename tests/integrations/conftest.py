"""Personas for the ATS tests:

- `acme` connects Greenhouse; its admin (`admin_client`) runs the settings page; its one
  assessment (a single-choice question, graded at submission) is what Greenhouse sends.
- `globex` is another organization with its own Greenhouse key: nothing of acme's may
  ever be seen or changed with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.celery import app as celery_app
from assess.integrations.connections import connection_connect
from assess.integrations.models import Ats, AtsConnection
from assess.models import Assessment, Attempt, Invitation, Membership, Organization, Role
from tests.assess import factories

from .fake_greenhouse import FakeGreenhouse
from .lever_world import lever_world


@dataclass
class Connected:
    org: Organization
    assessment: Assessment
    connection: AtsConnection
    key: str


def connected(slug: str, questions) -> Connected:
    org = factories.make_org(slug)
    assessment = factories.make_assessment(org, questions)
    connection, key = connection_connect(org, Ats.GREENHOUSE)
    return Connected(org, assessment, connection, key)


def take_test(invitation: Invitation, *, correct: bool = True) -> Attempt:
    """The candidate answers the single-choice question and submits: graded at once."""
    attempt = attempt_start(invitation)
    answer = attempt.answers.select_related("question_version").get()
    choices = answer.question_version.content["choices"]
    pick = next(i for i, c in enumerate(choices) if c["correct"] is correct)
    answer_save(attempt, answer.position, pick, answer.revision)
    return attempt_submit(attempt)


def answer_everything(attempt: Attempt) -> Attempt:
    """The candidate answers every question well (a written one with a sentence for the
    reviewer) and submits: a written answer waits for the reviewer's score."""
    for answer in attempt.answers.select_related("question_version"):
        content = answer.question_version.content
        response = (
            next(i for i, c in enumerate(content["choices"]) if c["correct"])
            if "choices" in content
            else "Two samples give noisy statistics."
        )
        answer_save(attempt, answer.position, response, answer.revision)
    return attempt_submit(attempt)


@pytest.fixture(autouse=True)
def _fast_and_eager(settings, monkeypatch):
    settings.WEBHOOKS_RETRY_BACKOFF_SECONDS = 0
    settings.WEBHOOKS_MAX_TRIES = 4
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    # The fake Greenhouse listens on loopback.
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    # Tasks run in this process (retries included), so the test sees every try.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def acme(db) -> Connected:
    return connected("acme", [factories.make_question("single")])


@pytest.fixture
def globex(acme) -> Connected:
    return connected("globex", [factories.make_question("single")])


@pytest.fixture
def fake(live_server, acme):
    greenhouse = FakeGreenhouse(live_server.url, acme.key)
    yield greenhouse
    greenhouse.close()


@pytest.fixture
def admin_client(client, acme, django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = django_user_model.objects.create_user("ada-admin", password="pw-admin-12345678")
    Membership.objects.create(user=user, organization=acme.org, role=Role.ADMIN)
    client.force_login(user)
    return client


@pytest.fixture
def lever(live_server, settings):
    world = lever_world(live_server, settings)
    yield world
    world.fake.close()
