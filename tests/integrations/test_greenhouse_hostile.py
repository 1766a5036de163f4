"""What Greenhouse's endpoints answer to bodies and credentials that are wrong, empty,
huge, nested, NUL, NaN or another organization's: a 4xx in the one shape
`{"errors": [...]}`, never a 500, and nothing created."""

from __future__ import annotations

import base64
import json

import pytest

from assess.integrations.models import AtsExchange, AtsLink
from assess.models import Invitation
from tests.support.clock import clear_of_a_window_edge

pytestmark = pytest.mark.django_db

BASE = "/integrations/greenhouse/"


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode("ascii")


def good_body(acme) -> dict:
    return {
        "partner_test_id": str(acme.assessment.pk),
        "candidate": {
            "first_name": "Kate",
            "last_name": "Austen",
            "email": "kate@example.com",
            "greenhouse_profile_url": "https://app.greenhouse.io/people/1?application_id=2",
        },
        "url": "https://app.greenhouse.io/integrations/testing_partners/take_home_tests/3",
    }


def post(client, key, raw: bytes | str):
    return client.post(
        BASE + "send_test", raw, content_type="application/json", HTTP_AUTHORIZATION=basic(key)
    )


def assert_errors(response, status: int):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"errors"} and body["errors"]
    assert all(isinstance(e, str) and e for e in body["errors"])


def _with(acme, path: tuple, value) -> dict:
    body = good_body(acme)
    target = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return body


HOSTILE_FIELDS = [
    (("partner_test_id",), None),
    (("partner_test_id",), ""),
    (("partner_test_id",), True),
    (("partner_test_id",), ["1"]),
    (("partner_test_id",), {"id": 1}),
    (("partner_test_id",), "1\x00"),
    (("partner_test_id",), "9" * 5000),
    (("candidate",), None),
    (("candidate",), "kate@example.com"),
    (("candidate",), []),
    (("candidate", "email"), None),
    (("candidate", "email"), "not an email"),
    (("candidate", "email"), "kate@example.com\x00"),
    (("candidate", "email"), 3.5),
    (("candidate", "email"), "a" * 300 + "@example.com"),
    (("candidate", "first_name"), ""),
    (("candidate", "first_name"), "Kate\nBcc: x"),
    (("candidate", "first_name"), {"a": {"b": 1}}),
    (("candidate", "first_name"), "K" * 100_000),
    (("url",), "file:///etc/passwd"),
    (("url",), "https://user:pw@example.com/x"),
    (("url",), 12),
]


@pytest.mark.parametrize("path,value", HOSTILE_FIELDS)
def test_a_hostile_field_is_a_400_or_422_and_creates_nothing(client, acme, path, value):
    response = post(client, acme.key, json.dumps(_with(acme, path, value)))
    assert response.status_code in (400, 404, 413, 422)
    assert_errors(response, response.status_code)
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"null",
        b"[]",
        b'"text"',
        b"NaN",
        b'{"partner_test_id": NaN}',
        b'{"partner_test_id": Infinity}',
        b"{not json",
        b"\xff\xfe",
        b"[" * 5000 + b"]" * 5000,
        b'{"a": ' + b"[" * 12 + b"1" + b"]" * 12 + b"}",
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(client, acme, raw):
    response = post(client, acme.key, raw)
    assert_errors(response, 400)
    assert Invitation.objects.count() == 0


def test_a_huge_body_is_a_413(client, acme):
    body = good_body(acme) | {"padding": "x" * 70_000}
    assert_errors(post(client, acme.key, json.dumps(body)), 413)


def test_an_unknown_or_archived_test_is_a_404(client, acme):
    from django.utils import timezone

    assert_errors(
        post(client, acme.key, json.dumps(_with(acme, ("partner_test_id",), "99999"))), 404
    )
    acme.assessment.archived_at = timezone.now()
    acme.assessment.save(update_fields=["archived_at"])
    assert_errors(post(client, acme.key, json.dumps(good_body(acme))), 404)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"\xff\xfe:").decode(),
        "Bearer nai_something",
        basic("nai_wrong"),
        basic("x" * 500),
        "Basic " + "A" * 10_000,
    ],
)
def test_a_missing_or_wrong_key_is_a_401_on_every_call(client, acme, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    for method, call in (("get", "list_tests"), ("post", "send_test"), ("get", "test_status")):
        response = getattr(client, method)(BASE + call, **extra)
        assert_errors(response, 401)
        assert response["WWW-Authenticate"].startswith("Basic")
    assert AtsExchange.objects.count() == 0


def test_another_organizations_key_sees_none_of_acmes_tests(client, acme, globex):
    response = post(client, acme.key, json.dumps(good_body(acme)))
    pid = response.json()["partner_interview_id"]
    listed = client.get(BASE + "list_tests", HTTP_AUTHORIZATION=basic(globex.key)).json()
    assert [t["partner_test_id"] for t in listed] == [str(globex.assessment.pk)]
    status = client.get(
        BASE + "test_status", {"partner_interview_id": pid}, HTTP_AUTHORIZATION=basic(globex.key)
    )
    assert_errors(status, 404)
    # Nor can it send acme's test.
    assert_errors(post(client, globex.key, json.dumps(good_body(acme))), 404)
    assert AtsLink.objects.count() == 1


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"partner_interview_id": ""},
        {"partner_interview_id": "x" * 500},
        {"partner_interview_id": "gh_\x00"},
        {"partner_interview_id": ["a", "b"]},
    ],
)
def test_test_status_without_one_good_id_is_refused(client, acme, query):
    response = client.get(BASE + "test_status", query, HTTP_AUTHORIZATION=basic(acme.key))
    assert response.status_code in (400, 404)
    assert_errors(response, response.status_code)


def test_the_wrong_method_is_a_405_in_the_same_shape(client, acme):
    assert_errors(client.get(BASE + "send_test", HTTP_AUTHORIZATION=basic(acme.key)), 405)
    assert_errors(client.post(BASE + "list_tests", HTTP_AUTHORIZATION=basic(acme.key)), 405)


def test_requests_past_the_rate_limit_are_a_429(client, acme, settings):
    settings.INTEGRATIONS_RATE_PER_MINUTE = 3
    clear_of_a_window_edge(60)  # the limit counts in the clock's minutes
    statuses = [
        client.get(BASE + "list_tests", HTTP_AUTHORIZATION=basic(acme.key)).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_response_error_is_taken_and_logged_without_its_details(client, acme):
    body = {
        "api_call": "test_status",
        "errors": ["partner_status is 'complete' but partner_profile url is missing"],
        "partner_interview_id": "299506",
        "candidate_email": "hpotter@hogwarts.edu",
    }
    response = client.post(
        BASE + "response_error",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic(acme.key),
    )
    assert response.status_code == 200
    note = AtsExchange.objects.get(endpoint="response_error").note
    assert "1 error" in note and "hogwarts" not in note
    bad = client.post(
        BASE + "response_error",
        json.dumps({"errors": [1, {}]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic(acme.key),
    )
    assert_errors(bad, 400)


def test_erasing_the_candidate_leaves_greenhouse_only_an_unknown_id(client, acme):
    from assess.integrations.models import AtsExchange
    from assess.privacy.services import candidate_erase

    pid = post(client, acme.key, json.dumps(good_body(acme))).json()["partner_interview_id"]
    candidate_erase(Invitation.objects.get(), source="admin")
    assert AtsLink.objects.count() == 0
    status = client.get(
        BASE + "test_status", {"partner_interview_id": pid}, HTTP_AUTHORIZATION=basic(acme.key)
    )
    assert_errors(status, 404)
    # The log keeps its rows (ids, statuses, timings), no longer tied to the invitation.
    assert AtsExchange.objects.filter(endpoint="send_test", link__isnull=True).count() == 1
