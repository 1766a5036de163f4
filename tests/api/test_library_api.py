"""The library over the API: an organization's token lists, creates and updates its own
questions with the library's validation, in the one error envelope; another
organization's token never sees them (a 404 on a guessed id)."""

from __future__ import annotations

import json

import pytest
import yaml

from assess.api.models import ApiToken
from assess.library.models import LibraryItem
from tests.api.conftest import assert_error, client_for
from tests.assess import factories
from tests.assess.library_support import NUMERIC, SINGLE

URL = "/api/v1/library/questions/"


@pytest.fixture
def orgs(db):
    factories.make_topics()
    acme, globex = factories.make_org("acme"), factories.make_org("globex")
    return {
        "acme": (acme, client_for(ApiToken.issue(acme, "ATS")[1])),
        "globex": (globex, client_for(ApiToken.issue(globex, "ATS", can_read_bank=True)[1])),
    }


def _body(source: str) -> dict:
    return {"question": yaml.safe_load(source)}


def test_create_list_read_and_update_own_questions(orgs):
    org, api = orgs["acme"]
    created = api.post(URL, _body(SINGLE), format="json")
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["slug"] == "acme-eps" and item["status"] == "draft"
    assert item["published_version"] is None and item["question"]["kind"] == "single_choice"
    listed = api.get(URL).json()
    assert [row["slug"] for row in listed["results"]] == ["acme-eps"]
    body = _body(SINGLE)
    body["question"]["prompt"] = "What does epsilon guard against, in one phrase?"
    updated = api.put(f"{URL}{item['id']}/", body, format="json")
    assert updated.status_code == 200
    assert "one phrase" in api.get(f"{URL}{item['id']}/").json()["question"]["prompt"]
    assert api.post(URL, _body(NUMERIC), format="json").status_code == 201


def test_another_organization_never_sees_them(orgs):
    _, acme = orgs["acme"]
    item = acme.post(URL, _body(SINGLE), format="json").json()
    _, globex = orgs["globex"]
    assert globex.get(URL).json()["results"] == []
    assert_error(globex.get(f"{URL}{item['id']}/"), 404, "not_found")
    assert_error(globex.put(f"{URL}{item['id']}/", _body(SINGLE), format="json"), 404)
    assert_error(globex.get(f"{URL}999999/"), 404, "not_found")  # the same answer
    assert LibraryItem.objects.get().source.count("guard against") == 1


@pytest.mark.parametrize(
    ("raw", "status", "code", "words"),
    [
        ("not json", 400, "malformed_json", "The body was refused"),
        ('{"question": NaN}', 400, "malformed_json", "The body was refused"),
        ('{"question": "\\u0000"}', 400, "malformed_json", "The body was refused"),
        ('{"question": ' + "[" * 500 + "]" * 500 + "}", 400, "malformed_json", "refused"),
        ("{}", 400, "invalid", "This field is required"),
        ('{"question": [1, 2]}', 400, "invalid", "dictionary"),
        ('{"question": {}, "extra": 1}', 400, "invalid", "Unknown field"),
        ('{"question": {"id": "x"}}', 400, "invalid", "'id' must be 3-60 characters"),
        ('{"question": {"id": "<script>alert(1)</script>"}}', 400, "invalid", "'id' must be"),
    ],
)
def test_hostile_bodies_get_a_clear_error_in_the_envelope(orgs, raw, status, code, words):
    _, api = orgs["acme"]
    response = api.post(URL, raw, content_type="application/json")
    error = assert_error(response, status, code)
    assert words in json.dumps(error)
    assert not LibraryItem.objects.exists()


def test_invalid_questions_are_refused_with_the_banks_messages_and_no_line_numbers(orgs):
    _, api = orgs["acme"]
    body = _body(SINGLE)
    body["question"]["choices"][1]["correct"] = True
    error = assert_error(api.post(URL, body, format="json"), 400, "invalid")
    assert error["fields"]["question"] == [
        "question 'acme-eps': single_choice needs exactly one correct choice, found 2"
    ]
    api.post(URL, _body(SINGLE), format="json")
    assert_error(api.post(URL, _body(SINGLE), format="json"), 409, "conflict")
    huge = _body(SINGLE)
    huge["question"]["prompt"] = "x" * 60_000
    error = assert_error(api.post(URL, huge, format="json"), 400)
    assert "limit" in json.dumps(error) or "larger" in json.dumps(error)
