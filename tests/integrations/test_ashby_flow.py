"""Ashby drives us from a fake Ashby on loopback: it lists, starts (twice, the same
application), cancels, and receives `assessment.update` when the attempt is graded;
faults on its side lose and double nothing; hostile bodies get Ashby's error envelope."""

from __future__ import annotations

import pytest
from django.core import mail

from assess.integrations.connections import connection_connect, connection_set_outgoing_key
from assess.integrations.models import Ats, AtsExchange, AtsPush, PushStatus
from assess.models import Invitation
from tests.assess import factories

from .conftest import take_test
from .fake_ashby import FakeAshby

pytestmark = pytest.mark.django_db(transaction=True)
ASHBY_KEY = "ashby-api-key-candidatesWrite-123"


@pytest.fixture
def ashby(live_server, settings):
    org = factories.make_org("acme")
    assessment = factories.make_assessment(org, [factories.make_question("single")])
    connection, key = connection_connect(org, Ats.ASHBY)
    connection_set_outgoing_key(connection, ASHBY_KEY)
    fake = FakeAshby(live_server.url, key, ASHBY_KEY)
    settings.ASHBY_API_URL = fake.base
    fake.assessment = assessment
    fake.org = org
    yield fake
    fake.close()


def test_ashby_starts_a_test_and_hears_the_graded_result(ashby):
    status, listed = ashby.call("assessment.list", {})
    assert status == 200 and listed["success"] is True
    assert listed["results"][0]["assessment_type_id"] == str(ashby.assessment.pk)
    assert listed["results"][0]["name"] == ashby.assessment.title

    status, started = ashby.start(str(ashby.assessment.pk), email="grace@example.com")
    assert status == 200 and started["success"] is True
    assessment_id = started["results"]["assessment_id"]
    again = ashby.start(str(ashby.assessment.pk), email="grace@example.com")
    assert again == (status, started)  # the same application: the same assessment
    invitation = Invitation.objects.get()
    assert invitation.candidate_email == "grace@example.com"
    assert [m.to for m in mail.outbox] == [["grace@example.com"]]

    from assess.attempts.services import attempt_start

    # The candidate presses Start: Ashby hears of the progress.
    attempt_start(invitation)
    [progress] = ashby.updates
    assert progress["assessment_id"] == assessment_id
    assert progress["assessment_status"]["value"] == "Started"
    assert "assessment_result" not in progress

    attempt = take_test(invitation)
    started, update = ashby.updates
    assert update["timestamp"] >= started["timestamp"]
    assert ashby.calls[-1] == ("/assessment.update", FakeAshby.basic(ASHBY_KEY))
    assert update["assessment_id"] == assessment_id
    assert isinstance(update["timestamp"], int) and update["timestamp"] > 1_600_000_000_000
    assert update["assessment_status"]["value"] == "Completed"
    assert update["assessment_result"] == {
        "identifier": "score",
        "label": "Score (%)",
        "type": "numeric_score",
        "value": 100.0,
    }
    assert update["assessment_profile_url"]["type"] == "url"
    assert update["assessment_profile_url"]["value"].endswith(
        f"/org/acme/attempts/{attempt.pk}/report/"
    )
    words = {m["identifier"]: m["value"] for m in update["metadata"]}
    assert words["passed"] is True and words["pass_mark"] == "60%" and words["level"]
    assert set(AtsPush.objects.values_list("status", flat=True)) == {PushStatus.DELIVERED}
    assert AtsPush.objects.count() == 2


def test_cancelling_in_ashby_revokes_the_invitation_once(ashby, client):
    _, started = ashby.start(str(ashby.assessment.pk), email="grace@example.com")
    assessment_id = started["results"]["assessment_id"]
    for _ in range(2):  # a repeated cancel is answered the same
        status, cancelled = ashby.call("assessment.cancel", {"assessment_id": assessment_id})
        assert status == 200
        assert cancelled == {"success": True, "results": {"assessment_id": assessment_id}}
    assert Invitation.objects.get().revoked_at is not None


def test_cancelling_after_the_candidate_started_is_refused_in_ashbys_shape(ashby):
    from assess.attempts.services import attempt_start

    _, started = ashby.start(str(ashby.assessment.pk), email="grace@example.com")
    attempt_start(Invitation.objects.get())
    status, body = ashby.call(
        "assessment.cancel", {"assessment_id": started["results"]["assessment_id"]}
    )
    assert status == 409 and body["success"] is False and body["errors"]


def test_errors_and_429s_are_retried_and_ashby_hears_the_result_once(ashby, settings):
    ashby.start(str(ashby.assessment.pk), email="grace@example.com")
    from assess.attempts.services import attempt_start

    attempt_start(Invitation.objects.get())  # the progress update goes through at once
    AtsExchange.objects.filter(direction="out").delete()
    ashby.script = [(500, {}, 0), (429, {"Retry-After": "1"}, 0), (200, {}, 1.5)]
    take_test(Invitation.objects.get())
    assert [u["assessment_status"]["value"] for u in ashby.updates] == ["Started", "Completed"]
    push = AtsPush.objects.exclude(idempotency_key__endswith=":started").get()
    assert (push.status, push.tries) == (PushStatus.DELIVERED, 4)
    statuses = list(
        AtsExchange.objects.filter(direction="out").order_by("pk").values_list("status", flat=True)
    )
    assert statuses == [500, 429, None, 200]


def test_without_ashbys_key_the_result_waits_in_the_dead_letters(ashby, client, django_user_model):
    from assess.integrations.models import AtsConnection
    from assess.models import Membership, Role

    AtsConnection.objects.update(outgoing_key_sealed="")
    ashby.start(str(ashby.assessment.pk), email="grace@example.com")
    take_test(Invitation.objects.get())
    push = AtsPush.objects.exclude(idempotency_key__endswith=":started").get()
    assert push.status == PushStatus.FAILED and "key" in push.last_error
    assert ashby.updates == []
    admin = django_user_model.objects.create_user("admin", password="pw-admin-12345678")
    Membership.objects.create(user=admin, organization=ashby.org, role=Role.ADMIN)
    client.force_login(admin)
    page = "/org/acme/settings/integrations/"
    client.post(page + "ashby/api-key/", {"api_key": ASHBY_KEY})
    client.post(page + f"pushes/{push.pk}/retry/")
    push.refresh_from_db()
    assert push.status == PushStatus.DELIVERED
    # The result arrives; the progress row stays a dead letter until it is sent again.
    assert [u["assessment_status"]["value"] for u in ashby.updates] == ["Completed"]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b"NaN",
        b'{"assessment_type_id": Infinity}',
        {"assessment_type_id": None, "candidate": {"email": "a@example.com"}},
        {"assessment_type_id": ["1"], "candidate": {"email": "a@example.com"}},
        {"assessment_type_id": "1", "candidate": "a@example.com"},
        {"assessment_type_id": "1", "candidate": {"email": "a\x00@example.com"}},
        {"assessment_type_id": "1", "candidate": {"email": "not-an-email"}},
        {"assessment_type_id": "99999", "candidate": {"email": "a@example.com"}},
        {"assessment_type_id": "1", "candidate": {"email": "a@example.com"}, "application": []},
    ],
)
def test_a_hostile_start_gets_ashbys_error_envelope(ashby, body):
    if isinstance(body, dict) and body.get("assessment_type_id") == "1":
        body["assessment_type_id"] = str(ashby.assessment.pk)
    status, answer = ashby.call("assessment.start", body)
    assert 400 <= status < 500
    assert answer["success"] is False and all(isinstance(e, str) for e in answer["errors"])
    assert answer["message"] == answer["errors"][0]  # what Ashby shows its user on a 422
    assert Invitation.objects.count() == 0


def test_a_wrong_key_or_another_orgs_id_is_refused(ashby):
    _, started = ashby.start(str(ashby.assessment.pk), email="grace@example.com")
    other = factories.make_org("globex")
    _, other_key = connection_connect(other, Ats.ASHBY)
    intruder = FakeAshby(ashby.partner_base.split("/integrations/")[0], other_key, "x")
    try:
        status, body = intruder.call(
            "assessment.cancel", {"assessment_id": started["results"]["assessment_id"]}
        )
        assert status == 404 and body["success"] is False
        intruder.key = "nai_wrong"
        status, body = intruder.call("assessment.list", {})
        assert status == 401 and body == {
            "success": False,
            "errors": ["The API key is missing or not valid."],
            "message": "The API key is missing or not valid.",
        }
    finally:
        intruder.close()
    assert Invitation.objects.get().revoked_at is None


def test_without_an_application_id_the_same_email_is_one_invitation(ashby):
    from assess.integrations.models import AtsLink

    body = {
        "assessment_type_id": str(ashby.assessment.pk),
        "candidate": {"first_name": "Grace", "email": "Grace@Example.com"},
    }
    first = ashby.call("assessment.start", body)
    again = ashby.call("assessment.start", body | {"candidate": {"email": "grace@example.com"}})
    assert first[0] == 200 and first == again
    # The key stands for the email without holding it.
    assert "example.com" not in AtsLink.objects.get().external_key.lower()


def test_testing_the_ashby_connection_asks_ashby_about_its_key(ashby, client, django_user_model):
    from assess.models import Membership, Role

    admin = django_user_model.objects.create_user("admin", password="pw-admin-12345678")
    Membership.objects.create(user=admin, organization=ashby.org, role=Role.ADMIN)
    client.force_login(admin)
    page = "/org/acme/settings/integrations/ashby/"
    text = client.post(page + "check/", follow=True).content.decode()
    assert "Ashby accepts the API key. The connection works: Ashby will see 1 test(s)" in text
    assert ashby.calls[-1] == ("/apiKey.info", FakeAshby.basic(ASHBY_KEY))
    client.post(page + "api-key/", {"api_key": "a-key-ashby-does-not-know"})
    text = client.post(page + "check/", follow=True).content.decode()
    assert "Ashby refuses the API key" in text
    for bad in ("", "two words", "x" * 500, "nul\x00"):
        client.post(page + "api-key/", {"api_key": bad})
    # A refused paste leaves the saved key as it was; the page shows no key.
    assert (
        "a-key-ashby-does-not-know"
        not in client.get("/org/acme/settings/integrations/").content.decode()
    )
    assert AtsExchange.objects.filter(endpoint="apiKey.info").count() == 2
