"""Reviewers work through the written answers waiting for a score across attempts, oldest
first; each save opens the next one, and the review's duration is recorded (from a signed
clock, so a forged one records nothing)."""

from __future__ import annotations

import re
import time

import pytest
from django.core import signing
from django.urls import reverse

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.models import Membership, Role, RubricReview
from tests.assess import factories


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr("grader.routing.submissions_enqueue", lambda ids: len(ids))


@pytest.fixture
def reviewer(client, db, org, django_user_model):
    user = django_user_model.objects.create_user("victor", password="pw-xyz-12345678")
    Membership.objects.create(user=user, organization=org, role=Role.REVIEWER)
    client.force_login(user)
    return user


def written_attempt(assessment, name, text):
    inv, _ = factories.make_invitation(assessment, name=name)
    attempt = attempt_start(inv)
    answer_save(attempt, 0, text, 0)
    return attempt_submit(attempt)


def queue(client):
    return client.get(reverse("org:review_queue", args=["acme"])).content.decode()


def score(client, page, items, clock=None):
    action = re.search(r'<form method="post" class="rubric" data-shortcuts action="([^"]+)"', page)
    clock = clock or re.search(r'name="clock" value="([^"]+)"', page).group(1)
    return client.post(action.group(1), {"items": items, "then": "queue", "clock": clock})


def test_the_queue_serves_waiting_answers_oldest_first_and_moves_on(client, reviewer, org, bank):
    assessment = factories.make_assessment(org, [bank["written"]], minutes=10)
    written_attempt(assessment, "Ada First", "Batch statistics from two samples are noisy.")
    written_attempt(assessment, "Bob Second", "No idea.")
    other = factories.make_assessment(factories.make_org("globex"), [bank["written"]], minutes=10)
    written_attempt(other, "Olga Other", "Not yours to see.")

    page = queue(client)
    assert "2 waiting" in page and "Ada First" in page and "Olga Other" not in page
    assert "data-shortcuts" in page and "<kbd>1</kbd>" in page
    response = score(client, page, [0, 1])
    assert response.status_code == 302 and response["Location"].endswith("/review/queue/")
    page = queue(client)
    assert "1 waiting" in page and "Bob Second" in page
    score(client, page, [])
    assert "Nothing is waiting" in queue(client)
    assert [r.score for r in RubricReview.objects.order_by("pk")] == [1.0, 0.0]


def test_the_review_time_is_recorded_from_a_signed_clock(client, reviewer, org, bank):
    assessment = factories.make_assessment(org, [bank["written"]], minutes=10)
    attempt = written_attempt(assessment, "Ada First", "Noisy statistics.")
    page = queue(client)
    opened_42_s_ago = signing.dumps(time.time() - 42, salt="review-clock")
    score(client, page, [0], clock=opened_42_s_ago)
    review = RubricReview.objects.get()
    assert 42 <= review.seconds <= 44
    review_page = client.get(reverse("org:attempt_review", args=["acme", attempt.pk]))
    assert "(reviewed in 4" in review_page.content.decode()

    written_attempt(assessment, "Bob Second", "No idea.")
    score(client, queue(client), [0], clock="forged-clock")
    assert RubricReview.objects.order_by("-pk").first().seconds is None


def test_recruiters_have_no_scoring_queue(client, db, org, django_user_model):
    user = django_user_model.objects.create_user("rita", password="pw-xyz-12345678")
    Membership.objects.create(user=user, organization=org, role=Role.RECRUITER)
    client.force_login(user)
    assert client.get(reverse("org:review_queue", args=["acme"])).status_code == 403
