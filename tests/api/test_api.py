"""What an applicant-tracking system does with the API, and every way a bad request is
refused with a clear 400 (or 413/415/429) in the one error body."""

import json

import pytest
from django.test import override_settings
from rest_framework.settings import api_settings

from assess.attempts.services import invitation_for_token
from assess.models import Assessment
from quizzes.models import Question

from .conftest import assert_error

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("emails_sent_at_once")]

GOOD = {
    "title": "Batch norm screen",
    "time_limit_minutes": 45,
    "pass_mark": 70,
    "sections": [
        {"title": "Basics", "questions": ["t-single", "t-numeric"]},
        {"title": "Random", "draw": {"count": 1, "level": "junior"}},
    ],
}


def post(api, url, body):
    return api.post(url, body, format="json")


def test_an_assessment_is_created_from_bank_queries(api, acme):
    response = post(api, "/api/v1/assessments/", GOOD)
    assert response.status_code == 201, response.content
    body = response.json()
    assessment = Assessment.objects.get(pk=body["id"], organization=acme.org)
    assert (assessment.title, assessment.time_limit_minutes, assessment.pass_mark) == (
        "Batch norm screen",
        45,
        70,
    )
    assert [(s["title"], s["questions"], s["draw"]["count"]) for s in body["sections"]] == [
        ("Basics", ["t-single", "t-numeric"], 0),  # the order they were given in, not bank ids
        ("Random", [], 1),
    ]
    assert body["sections"][1]["draw"]["level"] == "junior"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"sections": [{"questions": ["no-such-question"]}]}, "sections.0.questions"),
        ({"sections": [{"draw": {"count": 50}}]}, "sections.0.draw.count"),
        ({"sections": [{"draw": {"count": 1, "topic": "no-such-topic"}}]}, "sections.0.draw.topic"),
        ({"sections": [{"title": "Empty"}]}, "sections"),
    ],
)
def test_impossible_assessments_are_refused_naming_the_field(api, acme, change, field):
    count = Assessment.objects.count()
    error = assert_error(post(api, "/api/v1/assessments/", {**GOOD, **change}), 400, "invalid")
    assert field in error["fields"]
    assert Assessment.objects.count() == count


@pytest.mark.parametrize(
    "body, field",
    [
        ({**GOOD, "title": 123}, "title"),
        ({**GOOD, "time_limit_minutes": "45"}, "time_limit_minutes"),
        ({**GOOD, "time_limit_minutes": 45.5}, "time_limit_minutes"),
        ({**GOOD, "shuffle_choices": "yes"}, "shuffle_choices"),
        ({**GOOD, "pass_mark": 101}, "pass_mark"),
        ({**GOOD, "sections": "Basics"}, "sections"),
        ({**GOOD, "sections": []}, "sections"),
        ({k: v for k, v in GOOD.items() if k != "title"}, "title"),
    ],
)
def test_wrong_types_and_values_are_400_with_the_field(api, body, field):
    error = assert_error(post(api, "/api/v1/assessments/", body), 400, "invalid")
    assert field in error["fields"], error


def test_unknown_fields_are_refused_even_nested(api):
    error = assert_error(
        post(api, "/api/v1/assessments/", {**GOOD, "passmark": 50}), 400, "invalid"
    )
    assert error["fields"] == {"passmark": ["Unknown field."]}
    body = {**GOOD, "sections": [{"title": "x", "questions": ["t-single"], "shuffle": True}]}
    error = assert_error(post(api, "/api/v1/assessments/", body), 400, "invalid")
    assert "shuffle" in json.dumps(error["fields"])


@pytest.mark.parametrize("raw", [b"{", b"not json", b"[1, 2", b'{"title": NaN}', b"\xff\xfe"])
def test_malformed_json_is_400(api, raw):
    response = api.generic("POST", "/api/v1/assessments/", raw, content_type="application/json")
    assert_error(response, 400, "malformed_json")


def test_a_json_array_or_null_body_is_400(api):
    for raw in (b"[]", b"null", b"42"):
        response = api.generic("POST", "/api/v1/assessments/", raw, content_type="application/json")
        assert_error(response, 400, "invalid")


def test_a_huge_body_is_413_before_it_is_parsed(api):
    huge = json.dumps({**GOOD, "instructions": "x" * (256 * 1024)})
    response = api.generic("POST", "/api/v1/assessments/", huge, content_type="application/json")
    assert_error(response, 413, "body_too_large")


def test_form_bodies_are_415(api):
    assert_error(api.post("/api/v1/assessments/", {"title": "x"}), 415, "unsupported_media_type")


def test_an_invitation_returns_a_working_link_once(api, acme, mailoutbox):
    response = post(
        api,
        f"/api/v1/assessments/{acme.assessment.pk}/invitations/",
        {
            "candidate_name": "Grace Hopper",
            "candidate_email": "grace@example.com",
            "expires_in_days": 3,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    token = body["url"].rstrip("/").rsplit("/", 1)[1]
    assert body["url"].startswith("http://testserver/t/")
    assert invitation_for_token(token).pk == body["id"]
    assert body["state"] == "Not started" and body["attempt"] is None
    # The link is not readable again.
    assert "url" not in api.get(f"/api/v1/invitations/{body['id']}/").json()
    assert body["url"] in mailoutbox[0].body


def test_the_link_and_its_email_use_the_public_address_when_one_is_set(
    api, acme, mailoutbox, settings
):
    # Behind a proxy, or for an ATS calling an internal name, the request's host is not an
    # address a candidate can open; the hiring team's pages already used ASSESS_PUBLIC_URL.
    settings.ASSESS_PUBLIC_URL = "https://assess.example.com"
    response = post(
        api,
        f"/api/v1/assessments/{acme.assessment.pk}/invitations/",
        {"candidate_name": "Grace Hopper", "candidate_email": "grace@example.com"},
    )
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    assert url.startswith("https://assess.example.com/t/") and url in mailoutbox[0].body
    assert "testserver" not in mailoutbox[0].body


def test_an_ats_that_mails_its_own_links_can_skip_the_email(api, acme, mailoutbox):
    response = post(
        api,
        f"/api/v1/assessments/{acme.assessment.pk}/invitations/",
        {
            "candidate_name": "Grace Hopper",
            "candidate_email": "grace@example.com",
            "send_email": False,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["url"].startswith("http://testserver/t/")
    assert mailoutbox == []


@pytest.mark.parametrize(
    "body",
    [
        {"candidate_name": "Grace", "candidate_email": "g@example.com", "send_email": "no"},
        {"candidate_name": "Grace"},
        {"candidate_name": "Grace", "candidate_email": "not-an-email"},
        {"candidate_name": "Grace", "candidate_email": 5},
        {"candidate_name": "Grace", "candidate_email": "g@example.com", "expires_in_days": 0},
        {"candidate_name": "Grace", "candidate_email": "g@example.com", "cc": "boss@example.com"},
    ],
)
def test_bad_invitations_are_400(api, acme, body):
    assert_error(
        post(api, f"/api/v1/assessments/{acme.assessment.pk}/invitations/", body), 400, "invalid"
    )


def test_attempts_list_with_results_and_filters(api, acme):
    body = api.get("/api/v1/attempts/?status=graded").json()
    assert body["count"] == 1
    [row] = body["results"]
    assert row["status"] == "graded" and row["score_percent"] == 100.0 and row["passed"] is True
    assert row["candidate"] == {"name": "Acme Candidate", "email": "acme@example.com"}
    assert api.get("/api/v1/attempts/?status=in_progress").json()["count"] == 0
    assert api.get("/api/v1/attempts/?graded_since=2999-01-01T00:00:00Z").json()["count"] == 0
    detail = api.get(f"/api/v1/attempts/{acme.attempt.pk}/").json()
    assert detail["results"]["complete"] is True
    assert detail["results"]["total"] == {
        "label": "Total",
        "earned": 1.0,
        "possible": 1,
        "questions": 1,
        "pending": 0,
        "percent": 100.0,
    }
    assert detail["results"]["level_estimate"] == "junior"
    ability = detail["results"]["ability"]
    assert ability["items"] == 1 and ability["calibration_id"] is None
    assert sum(ability["probabilities"].values()) == pytest.approx(1.0)
    assert ability["confidence"] == ability["probabilities"][ability["level"]]


@pytest.mark.parametrize(
    "query, field",
    [
        ("status=done", "status"),
        ("assessment=abc", "assessment"),
        ("since=yesterday", "since"),
        ("stauts=graded", "stauts"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("offset=-1", "offset"),
        ("limit=ten", "limit"),
    ],
)
def test_bad_query_parameters_are_400(api, acme, query, field):
    error = assert_error(api.get(f"/api/v1/attempts/?{query}"), 400, "invalid")
    assert field in error["fields"]


def test_pagination_pages_with_limit_and_offset(api, acme, bank):
    for n in range(3):
        post(api, "/api/v1/assessments/", {**GOOD, "title": f"Screen {n}"})
    first = api.get("/api/v1/assessments/?limit=2").json()
    assert first["count"] == 4 and len(first["results"]) == 2 and first["next"]
    second = api.get("/api/v1/assessments/?limit=2&offset=2").json()
    assert {a["id"] for a in first["results"]}.isdisjoint({a["id"] for a in second["results"]})


def test_throttling_is_per_token_with_the_error_body(api, acme, token_acme_bank):
    from .conftest import client_for

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "api_read": "3/min"}
    with override_settings(REST_FRAMEWORK={**_rest_settings(), "DEFAULT_THROTTLE_RATES": rates}):
        for _ in range(3):
            assert api.get("/api/v1/attempts/").status_code == 200
        response = api.get("/api/v1/attempts/")
        assert_error(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0
        # Another token has its own allowance.
        assert client_for(token_acme_bank).get("/api/v1/attempts/").status_code == 200


def _rest_settings() -> dict:
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK)


def test_the_schema_and_docs_are_served_without_a_token(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/attempts/{attempt_id}/" in paths
    assert "401" in paths["/api/v1/attempts/"]["get"]["responses"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower()


def test_a_draw_counts_one_question_per_exclusion_group_as_the_builder_does(api, acme):
    """Every bank question drawn, two of them one exclusion group: one short, a 400 naming
    the draw (it was a 500: the API counted questions, the builder groups)."""
    every = Question.objects.filter(is_active=True).count()
    Question.objects.filter(key="t-single").update(excludes=["t-multiple"])
    count = Assessment.objects.count()
    body = {"title": "All of it", "sections": [{"draw": {"count": every}}]}
    error = assert_error(post(api, "/api/v1/assessments/", body), 400, "invalid")
    assert list(error["fields"]) == ["sections.0.draw.count"]
    assert Assessment.objects.count() == count


def test_two_draws_from_one_pool_cannot_together_ask_more_than_it_holds(api, acme):
    every = Question.objects.filter(is_active=True, level="junior").count()
    body = {
        "title": "Twice the juniors",
        "sections": [
            {"title": "A", "draw": {"count": every, "level": "junior"}},
            {"title": "B", "draw": {"count": 1, "level": "junior"}},
        ],
    }
    error = assert_error(post(api, "/api/v1/assessments/", body), 400, "invalid")
    assert list(error["fields"]) == ["sections.1.draw.count"]
    assert (
        "0 questions of the bank are sure to be left" in error["fields"]["sections.1.draw.count"][0]
    )


def test_a_problem_no_live_worker_can_grade_is_refused_and_the_bank_says_why(
    api, acme, announced_worker, token_acme_bank
):
    import textwrap

    from quizzes.bankfiles import question_from_yaml, save_question
    from quizzes.models import Topic

    from .conftest import client_for

    item = question_from_yaml(
        textwrap.dedent(
            """
            id: t-torch-bn
            kind: coding
            topic: normalization-operation
            level: mid
            problem: bn-forward-cuda
            prompt: Batch norm with torch tensors.
            explanation: Per channel.
            """
        )
    )
    save_question(item, Topic.objects.get(slug=item.topic))
    announced_worker("celery@laptop", runtimes=("numpy",))  # no torch
    body = {**GOOD, "sections": [{"title": "Code", "questions": ["t-torch-bn"]}]}
    response = post(api, "/api/v1/assessments/", body)
    error = assert_error(response, 400)
    assert "t-torch-bn cannot be graded: it needs a grading worker with PyTorch" in json.dumps(
        error
    )
    bank_api = client_for(token_acme_bank)
    row = bank_api.get("/api/v1/bank/questions/t-torch-bn/").json()
    assert row["cannot_grade"] == "it needs a grading worker with PyTorch, and none is running"
    assert bank_api.get("/api/v1/bank/questions/t-coding/").json()["cannot_grade"] is None

    announced_worker("celery@torch", runtimes=("numpy", "torch"))
    assert post(api, "/api/v1/assessments/", body).status_code == 201
