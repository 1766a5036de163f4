"""An organization's own topics over the API: a token with the library scope lists, adds,
renames and deletes them with the library page's rules (a bank topic's id is refused, a
topic a question names is not deleted); questions then name them; another organization
never sees them; hostile bodies get the one error envelope and change nothing."""

from __future__ import annotations

import json

import pytest
import yaml

from assess.api.models import ApiToken
from assess.library.models import LibraryTopic
from tests.api.conftest import assert_error, client_for
from tests.assess import factories
from tests.assess.library_support import SINGLE

URL = "/api/v1/library/topics/"
QUESTIONS = "/api/v1/library/questions/"


@pytest.fixture
def orgs(db):
    factories.make_topics()
    acme, globex = factories.make_org("acme"), factories.make_org("globex")
    return {
        "acme": client_for(ApiToken.issue(acme, "CMS", can_write_library=True)[1]),
        "acme_reader": client_for(ApiToken.issue(acme, "ATS")[1]),
        "globex": client_for(ApiToken.issue(globex, "CMS", can_write_library=True)[1]),
    }


def test_add_list_rename_use_and_delete_a_topic(orgs):
    api = orgs["acme"]
    body = {"slug": "our-stack", "title": "Our serving stack", "description": "Triton, vLLM."}
    created = api.post(URL, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json() == body | {"questions": 0}
    assert [t["slug"] for t in api.get(URL).json()["results"]] == ["our-stack"]

    renamed = api.patch(f"{URL}our-stack/", {"title": "Our stack"}, format="json")
    assert renamed.json()["title"] == "Our stack" and renamed.json()["slug"] == "our-stack"

    question = yaml.safe_load(SINGLE) | {"topic": "our-stack"}
    assert api.post(QUESTIONS, {"question": question}, format="json").status_code == 201
    assert api.get(f"{URL}our-stack/").json()["questions"] == 1
    refused = assert_error(api.delete(f"{URL}our-stack/"), 409, "conflict")
    assert "1 of your questions name the topic 'our-stack'" in json.dumps(refused)

    api.post(URL, {"slug": "unused", "title": "Unused"}, format="json")
    assert api.delete(f"{URL}unused/").status_code == 204
    assert_error(api.get(f"{URL}unused/"), 404, "not_found")


def test_another_organization_never_sees_them_and_may_use_the_same_id(orgs):
    orgs["acme"].post(URL, {"slug": "our-stack", "title": "Acme's"}, format="json")
    globex = orgs["globex"]
    assert globex.get(URL).json()["results"] == []
    assert_error(globex.get(f"{URL}our-stack/"), 404, "not_found")
    assert_error(globex.patch(f"{URL}our-stack/", {"title": "x"}, format="json"), 404)
    assert_error(globex.delete(f"{URL}our-stack/"), 404)
    assert (
        globex.post(URL, {"slug": "our-stack", "title": "Globex's"}, format="json").status_code
        == 201
    )
    titles = sorted(LibraryTopic.objects.values_list("topic__title", flat=True))
    assert titles == ["Acme's", "Globex's"]


def test_a_token_without_the_library_scope_reads_but_never_writes(orgs):
    orgs["acme"].post(URL, {"slug": "our-stack", "title": "Ours"}, format="json")
    reader = orgs["acme_reader"]
    assert reader.get(URL).json()["results"][0]["slug"] == "our-stack"
    assert_error(reader.post(URL, {"slug": "x-y-z", "title": "X"}, format="json"), 403)
    assert_error(reader.patch(f"{URL}our-stack/", {"title": "X"}, format="json"), 403)
    assert_error(reader.delete(f"{URL}our-stack/"), 403)
    assert LibraryTopic.objects.get().topic.title == "Ours"


@pytest.mark.parametrize(
    ("raw", "status", "words"),
    [
        ('{"slug": "normalization-operation", "title": "Mine"}', 409, "The bank has a topic"),
        ('{"slug": "-abc", "title": "T"}', 400, "not starting with"),
        ('{"slug": "<script>", "title": "T"}', 400, "An id is 3-60 characters"),
        ('{"slug": "ab", "title": "T"}', 400, "An id is 3-60 characters"),
        ('{"slug": "' + "a" * 61 + '", "title": "T"}', 400, "no more than 60"),
        ('{"slug": "fine-id", "title": "two\\nlines"}', 400, "single line"),
        ('{"slug": "fine-id", "title": "nul\\u0000"}', 400, "NUL"),
        ('{"slug": "fine-id", "title": "T", "description": "' + "d" * 2001 + '"}', 400, "2000"),
        ('{"slug": "fine-id", "title": "T", "extra": 1}', 400, "Unknown field"),
        ('{"slug": "fine-id", "title": NaN}', 400, "The body was refused"),
        ('{"slug": ["fine-id"], "title": "T"}', 400, "Not a valid string"),
        ('{"slug": "fine-id", "title": ' + "[" * 500 + "]" * 500 + "}", 400, "refused"),
        ("[]", 400, "Expected a dictionary"),
    ],
)
def test_hostile_bodies_get_a_clear_error_and_change_nothing(orgs, raw, status, words):
    response = orgs["acme"].post(URL, raw, content_type="application/json")
    error = assert_error(response, status)
    assert words in json.dumps(error), error
    assert not LibraryTopic.objects.exists()


def test_an_id_taken_twice_is_a_conflict_and_a_rename_is_checked(orgs):
    api = orgs["acme"]
    api.post(URL, {"slug": "our-stack", "title": "Ours"}, format="json")
    again = api.post(URL, {"slug": "our-stack", "title": "Again"}, format="json")
    assert "already has a topic" in json.dumps(assert_error(again, 409, "conflict"))
    bad = api.patch(f"{URL}our-stack/", {"title": "a\nb"}, format="json")
    assert_error(bad, 400, "invalid")
    assert_error(
        api.patch(f"{URL}our-stack/", {"slug": "renamed", "title": "T"}, format="json"), 400
    )
    assert LibraryTopic.objects.get().topic.title == "Ours"
