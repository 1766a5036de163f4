"""Lever drives us from a fake Lever on loopback: the admin connects by OAuth, Lever's
signed stage-change webhook invites (once, however often or at once it comes), a move out
or an archive revokes, the progress and the result arrive as notes on the opportunity
(again after a reviewer's change), and faults on Lever's side lose and double nothing."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail

from assess.attempts.services import attempt_start
from assess.integrations.connections import connection_disconnect
from assess.integrations.lever import lever_options_save
from assess.integrations.models import AtsConnection, AtsExchange, AtsLink, AtsPush, PushStatus
from assess.integrations.pushes import PDF_SUFFIX
from assess.models import Invitation, Membership, Role
from tests.assess import factories

from .conftest import answer_everything, take_test
from .fake_lever import CLIENT_ID, CLIENT_SECRET, FakeLever
from .lever_world import OPP, OTHER_STAGE, REDIRECT, STAGE, TOKENS, USER, deliver, lever_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_move_into_the_stage_invites_and_the_result_comes_back_as_notes(lever):
    status, answer = deliver(lever)
    assert (status, answer) == (200, {"ok": True, "revoked": 0, "invited": True})
    assert deliver(lever)[0] == 200  # Lever sends it again (a new delivery token): one invitation
    invitation = Invitation.objects.get()
    assert (invitation.candidate_email, invitation.candidate_name) == (
        "grace@example.com",
        "Grace Hopper",
    )
    assert [m.to for m in mail.outbox] == [["grace@example.com"]]
    attempt = take_test(invitation)
    started, result = lever.fake.notes
    assert started["perform_as"] == result["perform_as"] == USER
    assert "started" in started["value"]
    text = result["value"]
    assert "passed, score 100.0% (pass mark 60%)" in text
    assert "Level: " in text and f"/org/acme/attempts/{attempt.pk}/report/" in text
    assert "grace@example.com" not in text and "/t/" not in text  # no candidate link
    # The report as a PDF among the opportunity's files.
    [upload] = lever.fake.files
    assert upload["type"] == "application/pdf" and upload["name"].startswith("normassess-report-")
    assert upload["content"].startswith(b"%PDF-1.4") and b"score 100.0%" in upload["content"]
    assert set(AtsPush.objects.values_list("status", flat=True)) == {PushStatus.DELIVERED}


def test_a_reviewers_change_posts_a_second_result_note(live_server, settings, django_user_model):
    from assess.review.services import rubric_score

    world = lever_world(live_server, settings)
    try:
        bank = factories.make_bank("single", "written")
        world.assessment.delete()
        assessment = factories.make_assessment(world.org, [bank["single"], bank["written"]])
        connection = AtsConnection.objects.get()
        lever_options_save(
            connection,
            stages=f"{STAGE} {assessment.pk}",
            perform_as=USER,
            stage_token="",
            archive_token="",
        )
        deliver(world)
        attempt = attempt_start(Invitation.objects.get())
        answer_everything(attempt)
        reviewer = django_user_model.objects.create_user("rev", password="pw-rev-12345678")
        written = attempt.answers.get(question_version__question=bank["written"])
        rubric_score(written, [], reviewer)
        rubric_score(written, [0, 1], reviewer)
        results = [v for v in world.fake.notes_for(OPP) if "result" in v]
        assert ["score 50.0%" in results[0], "score 100.0%" in results[1]] == [True, True]
        assert len(results) == 2
    finally:
        world.fake.close()


def test_the_same_move_at_once_is_one_invitation(lever):
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(deliver(lever))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {status for status, _ in answers} == {200}
    assert Invitation.objects.count() == AtsLink.objects.count() == 1
    assert len(mail.outbox) == 1


def test_archiving_or_moving_on_revokes_unless_the_candidate_started(lever):
    deliver(lever)
    assert deliver(lever, "candidateArchiveChange") == (200, {"ok": True, "revoked": 1})
    assert Invitation.objects.get().revoked_at is not None
    # A move out of the stage revokes too; once started, the attempt stands.
    Invitation.objects.all().delete()
    deliver(lever)
    assert deliver(lever, to=OTHER_STAGE, frm=STAGE)[1]["revoked"] == 1
    Invitation.objects.all().delete()
    deliver(lever)
    attempt_start(Invitation.objects.get())
    assert deliver(lever, "candidateArchiveChange") == (200, {"ok": True, "revoked": 0})
    assert Invitation.objects.get().revoked_at is None


def test_moving_between_two_mapped_stages_revokes_only_the_first_test(lever):
    second = factories.make_assessment(lever.org, [factories.make_question("single")])
    lever_options_save(
        AtsConnection.objects.get(),
        stages=f"{STAGE} {lever.assessment.pk}\n{OTHER_STAGE} {second.pk}",
        perform_as=USER,
        stage_token="",
        archive_token="",
    )
    deliver(lever)
    assert deliver(lever, to=OTHER_STAGE, frm=STAGE)[1] == {
        "ok": True,
        "revoked": 1,
        "invited": True,
    }
    revoked = dict(Invitation.objects.values_list("assessment_id", "revoked_at"))
    assert revoked[lever.assessment.pk] is not None and revoked[second.pk] is None


def test_a_stage_mapped_to_an_archived_assessment_is_a_422(lever):
    from django.utils import timezone

    lever.assessment.archived_at = timezone.now()
    lever.assessment.save(update_fields=["archived_at"])
    status, answer = deliver(lever)
    assert status == 422 and "cannot be sent" in answer["error"]


def test_a_stage_not_mapped_invites_no_one(lever):
    assert deliver(lever, to=OTHER_STAGE) == (200, {"ok": True, "revoked": 0, "invited": False})
    assert Invitation.objects.count() == 0


def test_errors_429s_and_a_lost_answer_deliver_each_note_once(lever):
    deliver(lever)
    attempt_start(Invitation.objects.get())  # the progress note goes through at once
    notes = "/v1/opportunities/"
    lever.fake.script = [
        (notes, 500, {}, 0),
        (notes, 429, {"Retry-After": "1"}, 0),
        (notes, 0, {}, 0),  # Lever keeps the note, but its answer never arrives
    ]
    lever.fake.script.append((f"/v1/opportunities/{OPP}/files", 0, {}, 0))
    take_test(Invitation.objects.get())
    values = lever.fake.notes_for(OPP)
    assert len(values) == 2 and "result" in values[1]  # the result: once
    assert len(lever.fake.files) == 1  # the PDF: once, though its first answer was lost
    tries = dict(AtsPush.objects.values_list("idempotency_key", "tries"))
    # started; the PDF; the note: after the 500 its notes are read first (the 429 meets that
    # read, which then says "not there"), the note is sent and its answer lost, and the
    # third try finds it.
    assert sorted(tries.values()) == [1, 2, 3]
    assert set(AtsPush.objects.values_list("status", flat=True)) == {PushStatus.DELIVERED}


def test_a_note_lever_stored_but_answered_with_a_502_is_not_posted_again(lever):
    deliver(lever)
    attempt_start(Invitation.objects.get())
    lever.fake.script = [(f"/v1/opportunities/{OPP}/notes", -502, {}, 0)]
    take_test(Invitation.objects.get())
    values = lever.fake.notes_for(OPP)
    assert len(values) == 2 and "result" in values[1]  # stored at the 502, not posted again
    note = (
        AtsPush.objects.exclude(idempotency_key__endswith=":started")
        .exclude(idempotency_key__endswith=PDF_SUFFIX)
        .get()
    )
    assert (note.tries, note.status) == (2, PushStatus.DELIVERED)


def test_an_expired_token_is_refreshed_once_and_the_note_arrives(lever):
    deliver(lever)
    lever.fake.expire_access_tokens()
    attempt_start(Invitation.objects.get())
    assert len(lever.fake.notes) == 1
    posts = [c for c in lever.fake.calls if c[0] == "POST"]
    assert [(p[1].rsplit("/", 1)[-1], p[2]) for p in posts[-3:]] == [
        ("notes", 401),
        ("token", 200),
        ("notes", 201),
    ]


def test_a_token_endpoint_that_fails_is_tried_again_and_the_note_arrives_once(lever):
    deliver(lever)
    lever.fake.expire_access_tokens()
    lever.fake.script = [("/oauth/token", 500, {}, 0), ("/oauth/token", 429, {}, 0)]
    attempt_start(Invitation.objects.get())
    push = AtsPush.objects.get()
    # Try 1: the refresh gets a 500. Try 2: the refresh before reading the notes gets a
    # 429 (so the read says "not there"), the one before the POST succeeds.
    assert (push.status, push.tries) == (PushStatus.DELIVERED, 2)
    assert len(lever.fake.notes) == 1
    logged = AtsExchange.objects.filter(endpoint="oauth/token").order_by("pk")
    assert list(logged.values_list("status", flat=True))[-3:] == [500, 429, 200]


def test_a_lever_that_cannot_be_read_gets_a_503_and_its_resend_invites(lever):
    lever.fake.script = [("/v1/opportunities/", 500, {}, 0)]
    status, answer = deliver(lever)
    assert status == 503 and "error" in answer
    assert Invitation.objects.count() == 0
    assert deliver(lever)[0] == 200  # Lever sends the webhook again
    assert Invitation.objects.count() == 1


def test_a_revoked_grant_makes_a_dead_letter_not_a_retry_storm(lever):
    deliver(lever)
    lever.fake.expire_access_tokens()
    lever.fake.refresh.clear()  # the admin revoked our app in Lever
    attempt_start(Invitation.objects.get())
    push = AtsPush.objects.get()
    assert push.status == PushStatus.FAILED and "connect Lever again" in push.last_error


def _consent(client, page: str, fake: FakeLever) -> str:
    """The admin presses Connect Lever and consents on Lever: where Lever sends them back."""
    went = client.post(page + "lever/connect/")
    assert went.status_code == 302 and went["Location"].startswith(fake.base + "/authorize?")
    query = parse_qs(urlsplit(went["Location"]).query)
    assert query["redirect_uri"] == [REDIRECT] and query["client_id"] == [CLIENT_ID]

    class NoFollow(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with pytest.raises(urllib.error.HTTPError) as redirected:
        urllib.request.build_opener(NoFollow).open(went["Location"])
    return redirected.value.headers["Location"].removeprefix("http://testserver")


def test_the_admin_connects_lever_by_oauth_and_tests_it(
    live_server, settings, client, django_user_model
):
    world = lever_world(live_server, settings, slug="initech")
    AtsConnection.objects.update(oauth_sealed="")  # not connected yet
    admin = django_user_model.objects.create_user("ada", password="pw-admin-12345678")
    Membership.objects.create(user=admin, organization=world.org, role=Role.ADMIN)
    client.force_login(admin)
    page = "/org/initech/settings/integrations/"
    try:
        assert "Not connected." in client.get(page).content.decode()
        back = _consent(client, page, world.fake)
        forged = back.replace("state=", "state=x")
        text = client.get(forged, follow=True).content.decode()
        assert "did not match" in text and "Not connected." in text
        text = client.get(_consent(client, page, world.fake), follow=True).content.decode()
        assert "Lever is connected." in text
        text = client.post(page + "lever/check/", follow=True).content.decode()
        assert "Lever accepts our access." in text
        assert f"/integrations/lever/{AtsConnection.objects.get().webhook_id}/webhook" in text
        for secret in [*TOKENS.values(), CLIENT_SECRET, *world.fake.access, *world.fake.refresh]:
            assert secret not in text
    finally:
        world.fake.close()


def test_the_log_keeps_no_token_email_name_or_link(lever):
    deliver(lever)
    take_test(Invitation.objects.get())
    deliver(lever, "candidateArchiveChange")
    rows = json.dumps(list(AtsExchange.objects.values()), default=str)
    assert {"webhook", "oauth/token", "GET opportunity", "POST note", "POST file"} <= set(
        AtsExchange.objects.values_list("endpoint", flat=True)
    )
    sealed = AtsConnection.objects.get()
    secrets = [*TOKENS.values(), CLIENT_SECRET, *lever.fake.access, *lever.fake.refresh]
    for secret in [*secrets, "grace@example.com", "Grace", "Hopper", "/t/"]:
        assert secret not in rows
        assert secret not in sealed.oauth_sealed + sealed.signing_sealed + json.dumps(
            sealed.options
        )


def test_the_admins_lever_settings_refuse_what_they_cannot_use(
    lever, live_server, settings, client, django_user_model
):
    admin = django_user_model.objects.create_user("ada", password="pw-admin-12345678")
    Membership.objects.create(user=admin, organization=lever.org, role=Role.ADMIN)
    client.force_login(admin)
    page = "/org/acme/settings/integrations/"
    theirs = factories.make_assessment(factories.make_org("globex"), [])
    refused = {
        f"{STAGE} {theirs.pk}": "no assessment",  # another organization's assessment
        f"{STAGE}": "write a Lever stage id",
        f"../x {lever.assessment.pk}": "write a Lever stage id",
        f"{STAGE} 1{'0' * 30}": "no assessment",
    }
    for stages, words in refused.items():
        text = client.post(page + "lever/settings/", {"stages": stages}, follow=True)
        assert words in text.content.decode()
    for token in ("two words", "nul\x00", "x" * 201):
        text = client.post(page + "lever/settings/", {"stage_token": token}, follow=True)
        assert "Paste the signature token" in text.content.decode()
    connection = AtsConnection.objects.get()
    assert connection.options["stages"] == {STAGE: lever.assessment.pk}  # unchanged
    shown = client.get(page).content.decode()
    assert f"{STAGE} {lever.assessment.pk}" in shown and USER in shown
    assert not any(token in shown for token in TOKENS.values())
    # A recruiter may not connect Lever nor change its settings.
    recruiter = django_user_model.objects.create_user("rita", password="pw-rec-12345678")
    Membership.objects.create(user=recruiter, organization=lever.org, role=Role.RECRUITER)
    client.force_login(recruiter)
    assert client.post(page + "lever/connect/").status_code == 403
    assert client.post(page + "lever/settings/", {"stages": ""}).status_code == 403


def test_after_a_disconnect_webhooks_are_refused_and_no_result_is_sent(lever):
    assert deliver(lever)[0] == 200
    invitation = Invitation.objects.get()
    connection = AtsConnection.objects.get(ats="lever")
    connection_disconnect(connection)
    connection.refresh_from_db()
    assert (connection.oauth_sealed, connection.signing_sealed) == ("", "")
    status, _ = deliver(lever, to=STAGE, frm="stage-other")
    assert status == 404
    before = len(lever.fake.notes)
    take_test(invitation)
    assert len(lever.fake.notes) == before  # nothing reaches Lever
    assert not AtsPush.objects.exists()


def test_moved_back_into_the_stage_after_a_revoke_the_candidate_is_invited_again(lever):
    assert deliver(lever)[1]["invited"] is True
    first = Invitation.objects.get()
    assert deliver(lever, to=OTHER_STAGE, frm=STAGE)[1]["revoked"] == 1
    assert deliver(lever, to=STAGE, frm=OTHER_STAGE)[1]["invited"] is True
    second = Invitation.objects.exclude(pk=first.pk).get()
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    # The same move delivered again (a new delivery token) is still one new invitation.
    assert deliver(lever, to=STAGE, frm=OTHER_STAGE)[0] == 200
    assert Invitation.objects.count() == 2
    keys = sorted(AtsLink.objects.values_list("external_key", flat=True))
    assert keys[1].endswith(":round:2") and keys[1].startswith(keys[0])
