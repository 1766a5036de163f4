"""The library over the API: an organization's token with the library scope lists,
creates, updates, publishes and retires its own questions with the library's validation, in
the one error envelope; a token without the scope only reads; another organization's token
never sees them (a 404 on a guessed id)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from assess.api.models import ApiToken
from assess.audit.models import AuditEvent
from assess.library import services
from assess.library.models import LibraryItem
from quizzes.models import Question
from tests.api.conftest import assert_error, client_for
from tests.assess import factories
from tests.assess.library_support import NUMERIC, SINGLE

URL = "/api/v1/library/questions/"


@pytest.fixture
def orgs(db):
    factories.make_topics()
    acme, globex = factories.make_org("acme"), factories.make_org("globex")
    return {
        "acme": (acme, client_for(ApiToken.issue(acme, "CMS", can_write_library=True)[1])),
        "acme_ats": (acme, client_for(ApiToken.issue(acme, "ATS")[1])),
        "globex": (
            globex,
            client_for(
                ApiToken.issue(globex, "CMS", can_read_bank=True, can_write_library=True)[1]
            ),
        ),
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


def test_publish_retire_and_restore_through_the_api(orgs):
    org, api = orgs["acme"]
    item = api.post(URL, _body(SINGLE), format="json").json()
    published = api.post(f"{URL}{item['id']}/publish/", format="json")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"
    assert published.json()["published_version"] == 1
    key = LibraryItem.objects.get().question.key
    assert Question.objects.usable().filter(key=key).exists()
    assert_error(api.post(f"{URL}{item['id']}/publish/", format="json"), 409, "conflict")

    retired = api.post(f"{URL}{item['id']}/retire/", format="json").json()
    assert retired["retired"] is True
    assert not Question.objects.usable().filter(key=key).exists()
    assert_error(api.post(f"{URL}{item['id']}/retire/", format="json"), 409, "conflict")
    assert api.post(f"{URL}{item['id']}/restore/", format="json").json()["retired"] is False
    trail = list(
        AuditEvent.objects.filter(organization=org, event__startswith="library.")
        .order_by("pk")
        .values_list("event", "details")
    )
    assert [event for event, _ in trail] == [
        "library.published",
        "library.retired",
        "library.restored",
    ]
    assert trail[0][1] == {"question": "acme-eps", "version": 1, "via": "api"}


def test_a_token_cannot_approve_where_a_second_person_reviews(orgs):
    org, api = orgs["acme"]
    services.policy_update(org, review_required=True, authors=[])
    item = api.post(URL, _body(SINGLE), format="json").json()
    assert_error(api.post(f"{URL}{item['id']}/publish/", format="json"), 409, "conflict")
    sent = api.post(f"{URL}{item['id']}/submit/", format="json").json()
    assert sent["status"] == "in_review"
    error = assert_error(api.post(f"{URL}{item['id']}/publish/", format="json"), 403)
    assert "a person approves it" in json.dumps(error)
    assert LibraryItem.objects.get().question is None


def test_a_token_without_the_library_scope_reads_but_never_writes(orgs):
    _, writer = orgs["acme"]
    _, reader = orgs["acme_ats"]
    item = writer.post(URL, _body(SINGLE), format="json").json()
    assert reader.get(f"{URL}{item['id']}/").status_code == 200
    for response in (
        reader.post(URL, _body(NUMERIC), format="json"),
        reader.put(f"{URL}{item['id']}/", _body(SINGLE), format="json"),
        reader.post(f"{URL}{item['id']}/publish/", format="json"),
    ):
        error = assert_error(response, 403)
        assert "library scope" in json.dumps(error)
    assert LibraryItem.objects.get().status == "draft"


@pytest.mark.parametrize(
    "path",
    ["publish/?x=1", "unpublish/", "publish/extra/", "9999999999/publish/", "-1/retire/"],
)
def test_unknown_steps_and_ids_are_404s_and_bodies_are_refused(orgs, path):
    _, api = orgs["acme"]
    item = api.post(URL, _body(SINGLE), format="json").json()
    if path.startswith("publish/?"):
        response = api.post(f"{URL}{item['id']}/publish/", {"force": True}, format="json")
        assert_error(response, 400, "invalid")
    else:
        prefix = "" if path[0] in "9-" else f"{item['id']}/"
        assert_error(api.post(f"{URL}{prefix}{path}", format="json"), 404)
    assert LibraryItem.objects.get().status == "draft"


def test_another_organizations_token_cannot_step_our_items(orgs):
    _, acme = orgs["acme"]
    item = acme.post(URL, _body(SINGLE), format="json").json()
    _, globex = orgs["globex"]
    for step in ("submit", "publish", "retire", "restore"):
        assert_error(globex.post(f"{URL}{item['id']}/{step}/", format="json"), 404, "not_found")
    assert LibraryItem.objects.get().status == "draft"


def test_the_command_makes_a_token_with_the_library_scope(orgs):
    org, _ = orgs["acme"]
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_token", org=org.slug, name="CMS 2", library=True, stdout=out, stderr=err
    )
    assert "(library scope)" in err.getvalue()
    api = client_for(out.getvalue().strip())
    item = api.post(URL, _body(SINGLE), format="json").json()
    assert api.post(f"{URL}{item['id']}/publish/", format="json").json()["status"] == "published"
