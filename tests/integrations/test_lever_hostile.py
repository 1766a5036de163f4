"""Whatever reaches Lever's webhook address, it is answered with a 4xx and
`{"error": "..."}`, never a 500: broken, huge, nested, NUL, NaN bodies, a wrong or empty
signature, a stale or repeated delivery, and another organization's address or ids."""

from __future__ import annotations

import json
import time

import pytest

from assess.integrations.models import AtsExchange
from assess.models import Invitation

from .fake_lever import FakeLever
from .lever_world import OPP, STAGE, TOKENS, deliver, lever_world

pytestmark = pytest.mark.django_db(transaction=True)
SIGNED = "candidateStageChange"


def _body(**changes):
    data = {"opportunityId": OPP, "toStageId": STAGE, "fromStageId": "stage-screen"}
    body = FakeLever.signed(SIGNED, data, TOKENS[SIGNED])
    return body | changes


def _resigned(body: dict) -> dict:
    """The body signed again as Lever would sign its token and time."""
    again = FakeLever.signed(
        body["event"],
        body["data"],
        TOKENS[SIGNED],
        token=body["token"],
        triggered_at=body["triggeredAt"],
    )
    return body | {"signature": again["signature"]}


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b"NaN",
        b'{"triggeredAt": Infinity}',
        b"\xff\xfe",
        b'{"a":' * 40 + b"1" + b"}" * 40,
        b'{"token": "' + b"x" * 70_000 + b'"}',
        b'{"triggeredAt": 1' + b"0" * 5000 + b"}",
        {"event": SIGNED},
        "no-signature",
        "bad-signature",
        "nul-token",
        "stale",
        "future",
        "huge-time",
        "string-time",
        "bool-time",
        "unknown-event",
        "no-data",
        "path-in-id",
        "list-stage",
        "non-ascii-signature",
    ],
)
def test_a_hostile_delivery_is_a_4xx_with_an_error(lever, body):
    now = int(time.time() * 1000)
    cases = {
        "no-signature": lambda: _body(signature=""),
        "bad-signature": lambda: _body(signature="0" * 64),
        "nul-token": lambda: _resigned(_body(token="abc\x00def")),
        "stale": lambda: _resigned(_body(triggeredAt=now - 3600_000)),
        "future": lambda: _resigned(_body(triggeredAt=now + 3600_000)),
        "huge-time": lambda: _body(triggeredAt=10**400),
        "string-time": lambda: _body(triggeredAt=str(now)),
        "bool-time": lambda: _body(triggeredAt=True),
        "unknown-event": lambda: _body(event="candidateHired"),
        "no-data": lambda: _resigned(_body(data=None)),
        "path-in-id": lambda: _resigned(
            _body(data={"opportunityId": "../../users", "toStageId": STAGE})
        ),
        "list-stage": lambda: _resigned(_body(data={"opportunityId": OPP, "toStageId": [STAGE]})),
        "non-ascii-signature": lambda: _body(signature="é" * 64),
    }
    sent = cases[body]() if isinstance(body, str) else body
    status, answer = FakeLever.post(lever.url, sent)
    assert 400 <= status < 500, (status, answer)
    assert isinstance(answer["error"], str) and answer["error"]
    assert Invitation.objects.count() == 0


def test_the_same_delivery_twice_is_refused_and_invites_once(lever):
    body = _body()
    assert FakeLever.post(lever.url, body)[0] == 200
    status, answer = FakeLever.post(lever.url, body)
    assert status == 409 and "already" in answer["error"]
    assert Invitation.objects.count() == 1


def test_an_unknown_address_or_a_get_is_refused(lever):
    status, answer = FakeLever.post(lever.url.replace("/lv", "/lvX"), _body())
    assert status == 404 and answer == {"error": "No such address."}
    from django.test import Client

    path = lever.url.split("://", 1)[1].split("/", 1)[1]
    assert Client().get("/" + path).status_code == 405


def test_another_organizations_address_cannot_touch_ours(lever, live_server, settings):
    deliver(lever)
    ours = Invitation.objects.get()
    other = lever_world(live_server, settings, slug="globex")
    try:
        # Our signature does not open their address (their tokens are their own).
        from assess.integrations.lever import lever_options_save
        from assess.integrations.models import AtsConnection

        theirs = AtsConnection.objects.get(organization=other.org)
        lever_options_save(
            theirs, stages="", perform_as="", stage_token="theirs-1", archive_token="theirs-2"
        )
        status, _ = FakeLever.post(
            other.url,
            FakeLever.signed(
                "candidateArchiveChange",
                {"opportunityId": OPP, "toArchived": {}},
                TOKENS["candidateArchiveChange"],
            ),
        )
        assert status == 401
        # Signed with their own token, naming our opportunity: nothing of ours changes.
        body = FakeLever.signed(
            "candidateArchiveChange",
            {"opportunityId": OPP, "toArchived": {"archivedAt": 1}},
            "theirs-2",
        )
        assert FakeLever.post(other.url, body) == (200, {"ok": True, "revoked": 0})
    finally:
        other.fake.close()
    ours.refresh_from_db()
    assert ours.revoked_at is None


def test_refusals_are_logged_without_the_body_or_tokens(lever):
    FakeLever.post(lever.url, _body(signature="0" * 64))
    FakeLever.post(lever.url, b'{"token": "grace@example.com"}')
    rows = json.dumps(list(AtsExchange.objects.filter(endpoint="webhook").values()), default=str)
    assert '"status": 401' in rows and '"status": 400' in rows
    for secret in [*TOKENS.values(), "grace@example.com"]:
        assert secret not in rows
