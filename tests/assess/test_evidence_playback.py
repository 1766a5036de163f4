"""The code playback: the candidate's page sends its editor's events with each autosave;
they are checked strictly (a bad batch is a clear 400 and never costs the answer), stored
bounded per answer, and replayed only to the organization's reviewers."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from assess.attempts.services import attempt_start
from assess.evidence import playback as pb
from assess.evidence.models import PlaybackChunk, PlaybackLog
from assess.models import Answer, Membership, Role
from tests.assess import factories

pytestmark = pytest.mark.django_db
CODING = 5  # the coding question's number in the `assessment` fixture


@pytest.fixture
def started(invitation):
    inv, token = invitation
    return attempt_start(inv), token


def save(client, token, response, revision, playback=None, *, number=CODING, raw_playback=None):
    body = {"response": response, "revision": revision}
    if raw_playback is not None:
        body["playback"] = raw_playback
    elif playback is not None:
        body["playback"] = json.dumps(playback)
    return client.post(
        reverse("assess:answer_autosave", args=[token, number]),
        json.dumps(body),
        content_type="application/json",
    )


def batch(events, seq=0, session="0a1b2c3d4e5f6a7b"):
    return {"session": session, "seq": seq, "events": events}


def coding_answer(attempt) -> Answer:
    return attempt.answers.get(position=CODING - 1)


def test_a_batch_is_stored_with_the_answer_and_a_retry_is_not_stored_twice(client, started):
    attempt, token = started
    events = [["o", 0, ""], ["e", 300, 0, 0, "d"], ["e", 420, 1, 0, "e"], ["b", 900], ["f", 5000]]
    reply = save(client, token, "de", 0, batch(events))
    assert reply.status_code == 200 and reply.json()["playback"] == "stored"
    again = save(client, token, "de", reply.json()["revision"], batch(events))
    assert again.status_code == 200 and again.json()["playback"] == "duplicate"
    chunk = PlaybackChunk.objects.get()
    assert chunk.events == events and (chunk.first_t, chunk.last_t) == (0, 5000)
    assert PlaybackLog.objects.get().bytes_stored == chunk.size
    assert coding_answer(attempt).response == "de"


HOSTILE = [
    ("a list", ["o", 0, ""]),
    ("unknown kind", batch([["k", 0, "keylogger"]])),
    ("time as text", batch([["e", "soon", 0, 0, "x"]])),
    ("negative position", batch([["e", 1, -1, 0, "x"]])),
    ("float time", batch([["b", 1.5]])),
    ("boolean time", batch([["b", True]])),
    ("too many items", batch([["b", 1, 2]])),
    ("bad source", batch([["p", 1, 3, "clipboard", "abc"]])),
    ("paste text longer than its size", batch([["p", 1, 1, "outside", "abc"]])),
    ("times go back", batch([["b", 500], ["f", 100]])),
    ("opening in the middle", batch([["b", 1], ["o", 2, ""]])),
    ("no events", batch([])),
    ("too many events", batch([["b", i] for i in range(pb.MAX_EVENTS_PER_BATCH + 1)])),
    ("bad session", batch([["b", 1]], session="../../etc")),
    ("huge seq", batch([["b", 1]], seq=10**9)),
    ("extra key", {**batch([["b", 1]]), "admin": True}),
    ("huge text", batch([["e", 1, 0, 0, "x" * (pb.MAX_TEXT + 1)]])),
]


@pytest.mark.parametrize("case, playback", HOSTILE, ids=[c for c, _ in HOSTILE])
def test_a_bad_batch_is_a_clear_400_and_the_answer_is_saved_anyway(client, started, case, playback):
    attempt, token = started
    reply = save(client, token, "def f(): pass", 0, playback)
    assert reply.status_code == 400, case
    data = reply.json()
    assert data["playback_rejected"] is True and data["error"]
    assert data["revision"] == 1
    assert coding_answer(attempt).response == "def f(): pass"
    assert not PlaybackChunk.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        '{"session": "0a1b2c3d", "seq": 0, "events": [["b", NaN]]}',
        '{"session": "0a1b2c3d", "seq": 0, "events": [["e", 1, 0, 0, "\\u0000"]]}',
        '{"session": "0a1b2c3d", "seq": 0, "events": [["e", 1, 0, 0, ["nested"]]]}',
        '{"session": "0a1b2c3d", "seq": 0, "events": [["b", 1e400]]}',
        "{nope",
        "",
        "x" * (pb.MAX_BATCH_TEXT + 1),
    ],
    ids=["NaN", "NUL", "nested", "overflow", "broken", "empty", "huge"],
)
def test_a_batch_the_strict_parser_refuses_never_costs_the_answer(client, started, raw):
    attempt, token = started
    reply = save(client, token, "x = 1", 0, raw_playback=raw)
    assert reply.status_code == 400 and reply.json()["playback_rejected"] is True
    assert coding_answer(attempt).response == "x = 1"


def test_a_body_over_the_autosave_limit_is_a_413(client, started):
    _, token = started
    reply = save(client, token, "x = 1", 0, raw_playback="x" * (2 * pb.MAX_BATCH_TEXT + 1))
    assert reply.status_code == 413


def test_a_batch_that_is_not_text_is_refused(client, started):
    attempt, token = started
    reply = save(client, token, "x = 1", 0, raw_playback={"session": "0a1b2c3d"})
    assert reply.status_code == 400 and "JSON text" in reply.json()["error"]


def test_batches_out_of_order_with_the_stored_ones_are_refused(client, started):
    _, token = started
    assert (
        save(client, token, "a", 0, batch([["o", 0, ""], ["e", 100, 0, 0, "a"]], seq=3)).status_code
        == 200
    )
    older = save(client, token, "a", 1, batch([["b", 200]], seq=2))
    assert older.status_code == 400 and "older" in older.json()["error"]
    earlier = save(client, token, "a", 1, batch([["b", 50]], seq=4))
    assert earlier.status_code == 400 and "before" in earlier.json()["error"]
    reopened = save(client, token, "a", 1, batch([["o", 300, "a"]], seq=5))
    assert reopened.status_code == 400
    # A gap (a batch refused earlier) is fine; another page of the same question is its own session.
    assert save(client, token, "a", 1, batch([["b", 400]], seq=9)).status_code == 200
    other = batch([["o", 0, "a"], ["e", 10, 1, 0, "b"]], session="ffffffffffffffff")
    assert save(client, token, "ab", 1, other).status_code == 200
    assert PlaybackChunk.objects.count() == 3


def test_only_a_coding_answer_has_a_playback(client, started):
    attempt, token = started
    reply = save(client, token, "1.5", 0, batch([["b", 1]]), number=3)
    assert reply.status_code == 400 and attempt.answers.get(position=2).response == "1.5"


def test_the_bound_per_answer_stores_one_marker_then_nothing(client, started, monkeypatch):
    attempt, token = started
    monkeypatch.setattr(pb, "MAX_BYTES_PER_ANSWER", 2000)
    revision, seq, t = 0, 0, 0
    outcomes = []
    for _ in range(6):
        events = [["e", t + i * 50, i, 0, "x" * 20] for i in range(10)]
        t += 1000
        reply = save(client, token, f"v{seq}", revision, batch(events, seq=seq))
        assert reply.status_code == 200
        revision, seq = reply.json()["revision"], seq + 1
        outcomes.append(reply.json()["playback"])
    assert outcomes[:2] == ["stored", "stored"] and outcomes[-1] == "capped"
    log = PlaybackLog.objects.get()
    assert log.capped and log.bytes_stored <= 2000
    markers = [e for c in log.chunks.all() for e in c.events if e[0] == "x"]
    assert len(markers) == 1


def test_a_closed_attempt_stores_no_playback(client, started):
    from assess.attempts.services import attempt_submit

    attempt, token = started
    attempt_submit(attempt)
    reply = save(client, token, "x", 0, batch([["b", 1]]))
    assert reply.status_code == 409 and not PlaybackChunk.objects.exists()


@pytest.fixture
def recorded(client, started):
    attempt, token = started
    code = factories.GOOD_LAYERNORM
    events = [
        ["o", 0, ""],
        ["e", 800, 0, 0, "i"],
        ["e", 1000, 0, 1, ""],
        ["b", 2000],
        ["f", 42_000],
        ["p", 42_500, len(code), "outside", code],
        ["e", 42_510, 0, 0, code],
        ["r", 50_000, 0],
    ]
    assert save(client, token, code, 0, batch(events)).status_code == 200
    return attempt, coding_answer(attempt)


def playback_url(attempt, answer, slug="acme"):
    return reverse("org:answer_playback", args=[slug, attempt.pk, answer.pk])


def test_the_reviewer_replays_the_answer_beside_its_statement(client, reviewer, recorded):
    attempt, answer = recorded
    page = client.get(playback_url(attempt, answer))
    assert page.status_code == 200
    html = page.content.decode()
    assert "playback-data" in html and "statement" in html
    data = json.loads(
        html.split('id="playback-data" type="application/json">')[1].split("</script>")[0]
    )
    kinds = [e[0] for s in data["sessions"] for e in s["events"]]
    assert kinds == ["o", "e", "e", "b", "f", "p", "e", "r"]
    assert data["final"] == factories.GOOD_LAYERNORM


def test_candidates_recruiters_and_other_organizations_never_see_a_playback(
    client, recorded, django_user_model, settings
):
    attempt, answer = recorded
    url = playback_url(attempt, answer)
    assert client.get(url).status_code == 302  # not signed in: to the sign-in page
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    rita = django_user_model.objects.create_user("rita", password="pw-rita-12345678")
    Membership.objects.create(user=rita, organization=attempt.organization, role=Role.RECRUITER)
    client.force_login(rita)
    assert client.get(url).status_code == 403
    other = factories.make_org("other")
    olga = django_user_model.objects.create_user("olga", password="pw-olga-12345678")
    Membership.objects.create(user=olga, organization=other, role=Role.REVIEWER)
    client.force_login(olga)
    assert client.get(url).status_code == 404
    assert client.get(playback_url(attempt, answer, slug="other")).status_code == 404


def test_a_written_answer_has_no_playback_page(client, reviewer, recorded):
    attempt, _ = recorded
    written = attempt.answers.get(position=3)
    assert client.get(playback_url(attempt, written)).status_code == 404


def test_erasing_the_candidate_erases_their_playback_and_decisions(client, recorded, reviewer):
    from assess.evidence.models import IntegrityDecision
    from assess.evidence.services import integrity_decide
    from assess.privacy.services import candidate_erase

    attempt, _ = recorded
    integrity_decide(attempt, "no_concern", "Their own notes.", reviewer)
    assert PlaybackChunk.objects.exists() and IntegrityDecision.objects.exists()
    candidate_erase(attempt.invitation, source="restore", replaying=True)
    assert not PlaybackLog.objects.exists() and not PlaybackChunk.objects.exists()
    assert not IntegrityDecision.objects.exists()


def test_the_playback_expires_with_the_integrity_evidence_and_is_in_the_export(recorded):
    from datetime import timedelta

    from django.utils import timezone

    from assess.attempts.services import attempt_submit
    from assess.privacy.export import candidate_export
    from assess.privacy.retention import retention_apply, retention_upcoming
    from assess.privacy.services import privacy_settings_update

    attempt, answer = recorded
    exported = candidate_export(attempt.invitation)["attempt"]["code_playback"]
    assert exported == [
        {"question": CODING, "capped": False, "events": PlaybackChunk.objects.get().events}
    ]
    attempt_submit(attempt)
    org = attempt.organization
    privacy_settings_update(org, privacy_text="", contact="", retention_days=60, evidence_days=14)
    later = timezone.now() + timedelta(days=15)
    assert [i.what for i in retention_upcoming(org, now=later)] == ["integrity evidence"]
    retention_apply(now=timezone.now() + timedelta(days=13))
    assert PlaybackChunk.objects.exists()
    retention_apply(now=later)
    assert not PlaybackLog.objects.exists() and not PlaybackChunk.objects.exists()
    answer.refresh_from_db()
    assert answer.response == factories.GOOD_LAYERNORM  # the answer itself is kept
