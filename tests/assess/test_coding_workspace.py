"""The coding question's page: the last sample run survives a reload, with the console
(what the code printed, the exceptions it raised); the statement shows its title once and
its rules as a heading."""

import re

import pytest
from django.urls import reverse

from assess.attempts.services import attempt_start
from grader.models import Submission, SubmissionStatus
from tests.assess import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def coding_attempt(client):
    bank = factories.make_bank("coding")
    assessment = factories.make_assessment(factories.make_org(), [bank["coding"]])
    invitation, token = factories.make_invitation(assessment)
    attempt = attempt_start(invitation)
    return attempt, token, reverse("assess:attempt_question", args=[token, 1])


def _public_run(answer, **report):
    return Submission.objects.create(
        answer=answer,
        problem="layernorm-forward",
        source="print('hi')",
        public_only=True,
        status=SubmissionStatus.GRADED,
        verdict=report.get("verdict", ""),
        report=report,
    )


def test_the_last_sample_run_and_its_console_survive_a_reload(client, coding_attempt):
    attempt, token, url = coding_attempt
    answer = attempt.answers.get()
    assert "Sample tests:" not in client.get(url).content.decode()
    _public_run(answer, verdict="accepted", checks=[], stdout="older run")
    _public_run(
        answer,
        verdict="runtime_error",
        message="sample: (4, 10): out: raised ValueError: not yet",
        checks=[
            {"name": "sample (4, 10)", "passed": False, "message": "raised ValueError: not yet"}
        ],
        stdout="shape seen: (4, 10)\n",
        stderr="",
    )
    html = client.get(url).content.decode()
    result = html.split('id="sample-result"')[1]
    assert "Sample tests: runtime error" in result
    assert "shape seen: (4, 10)" in result and "older run" not in result
    assert "sample (4, 10): raised ValueError: not yet" in result


def test_another_attempts_sample_run_never_shows(client, coding_attempt):
    attempt, token, url = coding_attempt
    other_bank = factories.make_bank("coding")
    other = factories.make_assessment(factories.make_org("other"), [other_bank["coding"]])
    other_invitation, _ = factories.make_invitation(other, name="Grace Hopper")
    _public_run(attempt_start(other_invitation).answers.get(), verdict="accepted", stdout="secret")
    assert "secret" not in client.get(url).content.decode()


def test_the_statement_has_its_title_once_and_rules_as_a_heading(client, coding_attempt):
    _, _, url = coding_attempt
    html = client.get(url).content.decode()
    assert html.count("Layer normalization: forward pass") == 1
    assert re.search(r"<h1[^>]*>Layer normalization: forward pass</h1>", html)
    assert re.search(r"<h2>Rules for every problem</h2>", html)


def test_the_console_shows_the_candidates_traceback_with_their_line_numbers(client, coding_attempt):
    attempt, token, url = coding_attempt
    traceback = (
        "Traceback (your code, most recent call last):\n"
        '  File "submission.py", line 11, in layernorm_forward\n'
        "    mean, var = _stats(x, axes)\n"
        '  File "submission.py", line 6, in _stats\n'
        "    return mean, x.var(axis=axez)\n"
        "NameError: name 'axez' is not defined"
    )
    _public_run(attempt.answers.get(), verdict="runtime_error", checks=[], traceback=traceback)
    result = client.get(url).content.decode().split('id="sample-result"')[1]
    assert "Where your code raised" in result
    assert "line 11, in layernorm_forward" in result and "line 6, in _stats" in result
    assert "return mean, x.var(axis=axez)" in result
