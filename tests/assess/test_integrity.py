"""Integrity signals: the candidate's page reports tab switches, pastes and time per
question; only the link's holder can, only while the attempt is open, rate-limited and
size-capped; reviewers see them as signals."""

import json

import pytest
from django.urls import reverse

from assess.attempts.integrity import integrity_summary
from assess.attempts.services import attempt_start, attempt_submit
from assess.models import IntegrityEvent


def post(client, token, payload, raw=None):
    body = raw if raw is not None else json.dumps(payload)
    return client.post(
        reverse("org:attempt_signals", args=[token]), body, content_type="application/json"
    )


@pytest.fixture
def started(invitation):
    inv, token = invitation
    return attempt_start(inv), token


def test_signals_are_stored_and_summarized(client, started):
    attempt, token = started
    events = [
        {"kind": "tab_hidden"},
        {"kind": "paste", "position": 1, "amount": 420},
        {"kind": "question_time", "position": 1, "amount": 65_000},
        {"kind": "question_time", "position": 1, "amount": 5_000},
    ]
    assert post(client, token, {"events": events}).status_code == 204
    summary = integrity_summary(attempt)
    assert (summary.tab_switches, summary.pastes, summary.pasted_chars) == (1, 1, 420)
    assert summary.seconds_per_question == {1: 70} and summary.pastes_per_question == {1: 420}


@pytest.mark.parametrize(
    "payload",
    [
        {"events": [{"kind": "keylogger"}]},
        {"events": [{"kind": "paste", "amount": -1}]},
        {"events": [{"kind": "paste", "amount": "lots"}]},
        {"events": [{"kind": "question_time", "position": 99, "amount": 1}]},
        {"events": [{"kind": "question_time", "amount": 1}]},
        {"events": []},
        {"events": [{"kind": "tab_hidden"}] * 21},
        {"events": "tab_hidden"},
        ["not", "an", "object"],
    ],
)
def test_malformed_reports_are_refused(client, started, payload):
    _, token = started
    assert post(client, token, payload).status_code == 400
    assert not IntegrityEvent.objects.exists()


def test_a_huge_body_or_broken_json_is_refused(client, started):
    _, token = started
    assert post(client, token, None, raw="x" * 5000).status_code == 413
    assert post(client, token, None, raw="{nope").status_code == 400
    assert post(client, token, None, raw=b"\xff\xfe").status_code == 400


def test_reports_are_rate_limited(client, started, settings):
    settings.ASSESS_SIGNAL_POSTS_PER_MINUTE = 2
    _, token = started
    for _ in range(2):
        assert post(client, token, {"events": [{"kind": "tab_hidden"}]}).status_code == 204
    limited = post(client, token, {"events": [{"kind": "tab_hidden"}]})
    assert limited.status_code == 429 and limited["Retry-After"] == "60"


def test_only_while_the_attempt_is_open_and_only_with_the_link(client, started, invitation):
    attempt, token = started
    assert post(client, "x" * 43, {"events": [{"kind": "tab_hidden"}]}).status_code == 404
    attempt_submit(attempt)
    assert post(client, token, {"events": [{"kind": "tab_hidden"}]}).status_code == 409
    assert not IntegrityEvent.objects.exists()


def test_before_the_attempt_starts_nothing_is_recorded(client, invitation):
    _, token = invitation
    assert post(client, token, {"events": [{"kind": "tab_hidden"}]}).status_code == 409


def test_the_question_page_carries_the_signal_endpoint(client, started):
    _, token = started
    page = client.get(f"/t/{token}/q/1/").content.decode()
    assert f'data-signals-url="/t/{token}/signals/"' in page
