"""Every permission boundary of the API: acme's token never sees or touches globex's rows
(404, never data), tokens without the bank scope cannot read the bank, and a missing,
unknown or revoked token is a 401."""

import json

import pytest

from assess.api.models import ApiToken, WebhookEndpoint
from assess.models import Invitation

from .conftest import assert_error, client_for

pytestmark = pytest.mark.django_db


def _no_trace_of(response, world) -> None:
    text = response.content.decode()
    for secret in (
        world.invitation.candidate_email,
        world.invitation.candidate_name,
        world.assessment.title if world.assessment.title != "Normalization screen" else "\x00",
        world.endpoint.url,
        world.delivery.event_id,
    ):
        assert secret not in text


def test_reads_of_another_organizations_objects_are_404_without_data(api, acme, globex):
    for url in (
        f"/api/v1/assessments/{globex.assessment.pk}/",
        f"/api/v1/invitations/{globex.invitation.pk}/",
        f"/api/v1/attempts/{globex.attempt.pk}/",
        f"/api/v1/webhooks/endpoints/{globex.endpoint.pk}/",
    ):
        response = api.get(url)
        assert_error(response, 404, "not_found")
        _no_trace_of(response, globex)
    # The same URLs for acme's own objects answer.
    assert api.get(f"/api/v1/attempts/{acme.attempt.pk}/").status_code == 200


def test_lists_hold_only_the_tokens_organization(api, acme, globex):
    for url, own_id in (
        ("/api/v1/assessments/", acme.assessment.pk),
        ("/api/v1/invitations/", acme.invitation.pk),
        ("/api/v1/attempts/", acme.attempt.pk),
        ("/api/v1/webhooks/endpoints/", acme.endpoint.pk),
        ("/api/v1/webhooks/deliveries/", acme.delivery.pk),
    ):
        response = api.get(url)
        assert response.status_code == 200
        ids = [row["id"] for row in response.json()["results"]]
        assert ids == [own_id], url
        _no_trace_of(response, globex)


def test_filtering_by_another_organizations_ids_finds_nothing(api, globex):
    assert api.get(f"/api/v1/attempts/?assessment={globex.assessment.pk}").json()["results"] == []
    assert (
        api.get(f"/api/v1/invitations/?assessment={globex.assessment.pk}").json()["results"] == []
    )
    assert (
        api.get(f"/api/v1/webhooks/deliveries/?endpoint={globex.endpoint.pk}").json()["results"]
        == []
    )


def test_writes_to_another_organizations_objects_are_404_and_change_nothing(api, globex):
    before = Invitation.objects.filter(assessment=globex.assessment).count()
    response = api.post(
        f"/api/v1/assessments/{globex.assessment.pk}/invitations/",
        {"candidate_name": "Mallory", "candidate_email": "mallory@example.com"},
        format="json",
    )
    assert_error(response, 404)
    assert Invitation.objects.filter(assessment=globex.assessment).count() == before
    assert_error(
        api.patch(
            f"/api/v1/webhooks/endpoints/{globex.endpoint.pk}/", {"active": False}, format="json"
        ),
        404,
    )
    assert_error(api.delete(f"/api/v1/webhooks/endpoints/{globex.endpoint.pk}/"), 404)
    assert WebhookEndpoint.objects.get(pk=globex.endpoint.pk).active is True


def test_a_revoked_token_is_401_at_once(acme, token_acme):
    client = client_for(token_acme)
    assert client.get("/api/v1/attempts/").status_code == 200
    ApiToken.objects.get(organization=acme.org).revoke()
    error = assert_error(client.get("/api/v1/attempts/"), 401, "unauthenticated")
    assert "revoked" in error["message"]


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer nak_not-a-real-token",
        "Token abc",
        "Bearer a b",
        "Bearer " + "x" * 500,
    ],
)
def test_a_missing_or_unknown_token_is_401(acme, header):
    client = client_for(None)
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(f"/api/v1/attempts/{acme.attempt.pk}/")
    assert_error(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert acme.invitation.candidate_email not in response.content.decode()


def test_the_raw_token_is_not_stored(acme, token_acme):
    row = ApiToken.objects.get(organization=acme.org)
    assert token_acme not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert token_acme.startswith(row.prefix)


def test_the_bank_needs_the_bank_scope(api, acme):
    for url in (
        "/api/v1/bank/questions/",
        "/api/v1/bank/topics/",
        "/api/v1/bank/questions/t-single/",
    ):
        error = assert_error(api.get(url), 403, "forbidden")
        assert "bank" in error["message"]


def test_a_bank_scoped_token_reads_questions_with_their_answer_key(acme, token_acme_bank):
    client = client_for(token_acme_bank)
    response = client.get("/api/v1/bank/questions/?kind=single_choice")
    assert response.status_code == 200
    [question] = response.json()["results"]
    assert question["key"] == "t-single"
    assert [c["correct"] for c in question["content"]["choices"]] == [True, False, False]
    assert client.get("/api/v1/bank/questions/t-single/").json()["content"]["explanation"]
    assert_error(client.get("/api/v1/bank/questions/no-such-question/"), 404)
    assert [t["slug"] for t in client.get("/api/v1/bank/topics/").json()["results"]][
        0
    ] == "normalization-operation"


def test_candidate_answers_are_not_in_the_attempt_results(api, acme):
    body = api.get(f"/api/v1/attempts/{acme.attempt.pk}/").json()
    assert "answers" not in body
    assert "correct" not in json.dumps(body)
