"""No log line holds a candidate's link (the token is a credential)."""

import logging
from datetime import timedelta

import pytest

from assess.logredact import redact
from tests.assess import factories


def test_candidate_tokens_are_redacted_wherever_they_appear():
    token = "A" * 20 + "b-_9" * 6
    assert redact(f"GET /t/{token}/question/2/ 404") == "GET /t/[redacted]/question/2/ 404"
    assert redact("/t/short/") == "/t/short/"  # not a token: page names stay readable


@pytest.mark.django_db
def test_a_refused_candidate_link_is_logged_without_its_token(client, assessment, caplog):
    _, token = factories.make_invitation(assessment, expires_in=timedelta(seconds=-1))
    with caplog.at_level(logging.DEBUG):
        response = client.get(f"/t/{token}/")
        missing = client.get(f"/t/{token}x/question/1/")
    assert response.status_code >= 400 and missing.status_code >= 400
    assert "/t/[redacted]/" in caplog.text  # Django's 4xx warnings name the path...
    assert token not in caplog.text  # ...but never the token
    for record in caplog.records:
        assert token not in record.getMessage()
