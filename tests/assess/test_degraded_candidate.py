"""Degrade, don't fail: with Redis (the broker) down a candidate's answers are saved and the
test is submitted; the grade waits in the database for the sweep."""

import json
import socket

import pytest
from django.urls import reverse

from assess.attempts.services import attempt_start
from grader.models import Submission
from tests.assess import factories
from tests.support.worker import celery_app_on

pytestmark = pytest.mark.django_db


def test_a_candidate_saves_and_submits_while_the_broker_is_down(
    client, assessment, settings, django_capture_on_commit_callbacks, caplog
):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    # The app first: its configuration is read from Django's settings on first use, and the
    # swap must save the real broker, not the dead one, to put it back afterwards.
    restore = celery_app_on(dead)
    settings.CELERY_BROKER_URL = dead
    try:
        invitation, token = factories.make_invitation(assessment)
        attempt = attempt_start(invitation)
        coding = next(a for a in attempt.answers.all() if a.kind == "coding")
        saved = client.post(
            reverse("assess:answer_autosave", args=[token, coding.position + 1]),
            json.dumps({"response": factories.GOOD_LAYERNORM, "revision": 0}),
            content_type="application/json",
        )
        assert saved.status_code == 200
        # The submission's grading task is sent when the transaction commits: to no broker.
        with django_capture_on_commit_callbacks(execute=True) as hooks:
            done = client.post(reverse("assess:attempt_finish", args=[token]))
        assert done.status_code == 302 and hooks
        assert "could not queue submission" in caplog.text
        row = Submission.objects.get(answer__attempt=attempt, public_only=False)
        assert row.status == "queued" and row.source == factories.GOOD_LAYERNORM
        assert row.enqueued_at is None  # never sent: the sweep sends it once Redis is back
        assert client.get(reverse("assess:attempt_done", args=[token])).status_code == 200
    finally:
        restore()
