"""Greenhouse drives us as its docs say, from a fake Greenhouse on loopback: it lists the
tests, sends one (twice, and at once), polls, hears of the result by PATCH and asks for
it, hears again after a reviewer's change; faults on its side lose and double nothing."""

from __future__ import annotations

import json
import threading

import pytest
from django.core import mail

from assess.api.webhooks import DeliveryRetry
from assess.integrations.models import AtsExchange, AtsLink, AtsPush, PushStatus
from assess.integrations.pushes import push_for_attempt, push_send
from assess.models import Invitation

from .conftest import answer_everything, take_test

pytestmark = pytest.mark.django_db(transaction=True)


def _send(fake, acme, *, application_id=5699620, take_home="12345", email="kate@example.com"):
    return fake.send_test(
        str(acme.assessment.pk),
        email=email,
        application_id=application_id,
        take_home_id=take_home,
    )


def test_greenhouse_sends_a_test_polls_and_hears_the_graded_result(acme, fake):
    status, tests = fake.list_tests()
    assert status == 200
    assert tests == [
        {"partner_test_id": str(acme.assessment.pk), "partner_test_name": acme.assessment.title}
    ]

    status, answer = _send(fake, acme)
    assert status == 200 and set(answer) == {"partner_interview_id"}
    pid = answer["partner_interview_id"]
    invitation = Invitation.objects.get()
    assert (invitation.candidate_email, invitation.candidate_name) == (
        "kate@example.com",
        "Kate Austen",
    )
    # The candidate gets the test by email, as Greenhouse expects of its partners.
    assert [m.to for m in mail.outbox] == [["kate@example.com"]]

    status, polled = fake.test_status(pid)
    assert status == 200 and polled["partner_status"] == "sent"

    attempt = take_test(invitation)
    [result] = fake.wait_for_results(1)
    [(path, authorization)] = fake.patches
    assert path.endswith("/take_home_tests/12345")
    assert authorization == fake.auth_header()  # the organization's key, as Greenhouse's docs
    assert result["http"] == 200
    assert result["partner_status"] == "complete"
    assert result["partner_score"] == 100.0
    assert result["partner_profile_url"].endswith(
        f"/org/{acme.org.slug}/attempts/{attempt.pk}/report/"
    )
    metadata = result["metadata"]
    assert metadata["Pass mark"] == "60%" and metadata["Result"] == "Passed"
    assert metadata["Level"]  # in words, never empty
    # Greenhouse's metadata must be flat, of JavaScript primitives.
    assert all(not isinstance(v, dict | list) for v in metadata.values())
    assert AtsPush.objects.get().status == PushStatus.DELIVERED


def test_the_same_send_test_twice_or_at_once_is_one_invitation(acme, fake):
    first = _send(fake, acme)
    again = _send(fake, acme)
    assert first == again
    answers = []

    def send():
        answers.append(_send(fake, acme, application_id=777, take_home="777"))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {status for status, _ in answers} == {200}
    assert len({a["partner_interview_id"] for _, a in answers}) == 1
    assert Invitation.objects.count() == AtsLink.objects.count() == 2
    assert len(mail.outbox) == 2


def test_a_reviewers_change_sends_the_new_result_again(live_server, django_user_model):
    from assess.attempts.services import attempt_start
    from assess.review.services import rubric_score
    from tests.assess import factories

    from .conftest import connected
    from .fake_greenhouse import FakeGreenhouse

    # A written answer waits for a reviewer: the first grade is the reviewer's.
    bank = factories.make_bank("single", "written")
    world = connected("initech", [bank["single"], bank["written"]])
    fake = FakeGreenhouse(live_server.url, world.key)
    try:
        _send(fake, world)
        attempt = attempt_start(Invitation.objects.get())
        answer_everything(attempt)
        assert fake.patches == []  # not graded yet
        reviewer = django_user_model.objects.create_user("rev", password="pw-rev-12345678")
        written = attempt.answers.get(question_version__question=bank["written"])
        rubric_score(written, [], reviewer)
        assert fake.wait_for_results(1)[0]["partner_score"] == 50.0
        rubric_score(written, [0, 1], reviewer)
        results = fake.wait_for_results(2)
        assert [r["partner_score"] for r in results] == [50.0, 100.0]
        assert AtsPush.objects.filter(status=PushStatus.DELIVERED).count() == 2
        # The same grading announced again is no new push.
        attempt.refresh_from_db()
        push_for_attempt(attempt)
        assert AtsPush.objects.count() == 2
    finally:
        fake.close()


def test_a_500_then_a_timeout_are_retried_and_the_result_arrives_once(acme, fake):
    fake.script = [(500, {}, 0), (200, {}, 1.5)]  # an error, then an answer past our timeout
    _send(fake, acme)
    take_test(Invitation.objects.get())
    results = fake.wait_for_results(1)
    assert len(fake.patches) == 3
    assert len(results) == 1 and results[0]["partner_status"] == "complete"
    push = AtsPush.objects.get()
    assert (push.status, push.tries) == (PushStatus.DELIVERED, 3)
    outgoing = AtsExchange.objects.filter(direction="out").order_by("pk")
    assert [x.status for x in outgoing] == [500, None, 200]


def test_a_429_is_retried_after_the_wait_greenhouse_asks_for(acme, fake, settings):
    settings.WEBHOOKS_RETRY_BACKOFF_SECONDS = 1
    fake.script = [(429, {"Retry-After": "120"}, 0)]
    _send(fake, acme)
    link = AtsLink.objects.get()
    fake.script = [(429, {"Retry-After": "120"}, 0)]
    take_test(link.invitation)  # the eager task's first try meets the 429, then succeeds
    assert AtsPush.objects.get().status == PushStatus.DELIVERED
    # Directly: the wait is Greenhouse's 120 s, not our 1 s backoff.
    AtsPush.objects.update(status=PushStatus.PENDING, tries=0)
    fake.script = [(429, {"Retry-After": "120"}, 0)]
    with pytest.raises(DeliveryRetry) as raised:
        push_send(AtsPush.objects.get().pk)
    assert raised.value.countdown == 120


def test_a_result_greenhouse_keeps_refusing_is_a_dead_letter_the_admin_sends_again(
    acme, fake, admin_client
):
    fake.script = [(503, {}, 0)] * 4
    _send(fake, acme)
    take_test(Invitation.objects.get())
    push = AtsPush.objects.get()
    assert (push.status, push.tries, push.last_status) == (PushStatus.FAILED, 4, 503)
    page = admin_client.get(f"/org/{acme.org.slug}/settings/integrations/")
    assert b"Send again" in page.content
    response = admin_client.post(
        f"/org/{acme.org.slug}/settings/integrations/pushes/{push.pk}/retry/"
    )
    assert response.status_code == 302
    assert AtsPush.objects.get().status == PushStatus.DELIVERED
    assert fake.wait_for_results(1)[0]["partner_status"] == "complete"
    assert len(fake.patches) == 5


def test_a_callback_to_a_private_address_is_refused_without_private_hosts(acme, fake, settings):
    _send(fake, acme)
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    take_test(Invitation.objects.get())
    push = AtsPush.objects.get()
    assert push.status == PushStatus.FAILED and push.last_error.startswith("Refused")
    assert fake.patches == []


def test_the_log_keeps_no_key_link_email_or_name(acme, fake):
    _send(fake, acme)
    take_test(Invitation.objects.get())
    fake.wait_for_results(1)
    rows = json.dumps(list(AtsExchange.objects.values()), default=str)
    assert {"send_test", "test_status", "patch_completed_test"} <= {
        x.endpoint for x in AtsExchange.objects.all()
    }
    for secret in (acme.key, "kate@example.com", "Kate", "Austen", "/t/", "take_home_tests"):
        assert secret not in rows
