"""The candidate's pages through Django's test client: what the browser receives, and
who gets a refusal (another candidate's link, an expired link, a used link, a recruiter
of another organization)."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from assess.attempts.services import attempt_start, invitation_for_token
from assess.models import Membership, Role
from grader.models import Submission
from quizzes.models import Kind
from quizzes.questions import correct_answer_text
from tests.assess import factories
from tests.assess.privacy_support import start_form

pytestmark = pytest.mark.django_db


def url(name, token, *args):
    return reverse(f"assess:{name}", args=[token, *args])


def save(client, token, number, response, revision):
    return client.post(
        url("answer_autosave", token, number),
        json.dumps({"response": response, "revision": revision}),
        content_type="application/json",
    )


def started(client, token):
    organization = invitation_for_token(token).organization
    response = client.post(url("attempt_begin", token), start_form(organization))
    assert response.status_code == 302
    return response


def number_of(attempt, kind):
    return next(
        a.position + 1 for a in attempt.answers.select_related("question_version") if a.kind == kind
    )


def test_the_link_shows_the_instructions_then_the_questions(client, invitation):
    inv, token = invitation
    page = client.get(url("attempt_landing", token))
    assert page.status_code == 200
    assert "Normalization screen" in page.content.decode()
    assert "<strong>every</strong>" in page.content.decode()
    assert "30 minutes" in page.content.decode()
    assert started(client, token)["Location"] == url("attempt_question", token, 1)
    assert client.get(url("attempt_landing", token))["Location"] == url(
        "attempt_question", token, 1
    )


def test_question_pages_never_contain_the_answer_key(client, invitation):
    inv, token = invitation
    started(client, token)
    attempt = inv.attempt
    html = "".join(
        client.get(url("attempt_question", token, n)).content.decode() for n in range(1, 6)
    )
    for answer in attempt.answers.select_related("question_version"):
        content = answer.question_version.content
        assert content["explanation"] not in html
        if answer.kind == Kind.NUMERIC:
            assert correct_answer_text(answer.question_version, answer.seed) not in html
        if answer.kind == Kind.WRITTEN:
            assert content["expected_answer"] not in html
            assert content["rubric"][0]["criterion"] not in html
    assert '"correct"' not in html and "correct: true" not in html
    assert (
        'id="editor"' in html and "vendor/ace/ace.js" in html
    )  # the coding question has the editor


def test_autosave_answers_new_revisions_and_409_for_a_stale_tab(client, invitation):
    inv, token = invitation
    started(client, token)
    n = number_of(inv.attempt, Kind.NUMERIC)
    first = save(client, token, n, "1.25", 0)
    assert first.status_code == 200 and first.json()["revision"] == 1
    assert save(client, token, n, "1.5", 1).json()["revision"] == 2
    stale = save(client, token, n, "0", 1)
    assert stale.status_code == 409
    assert (
        stale.json()["stale"] is True
        and stale.json()["response"] == "1.5"
        and stale.json()["revision"] == 2
    )
    assert save(client, token, n, "x" * 70, 2).status_code == 400
    assert (
        client.post(
            url("answer_autosave", token, n), "not json", content_type="application/json"
        ).status_code
        == 400
    )
    page = client.get(url("attempt_question", token, n)).content.decode()
    assert 'value="1.5"' in page and 'data-revision="2"' in page
    assert f'aria-label="Question {n}, answered"' in page


def test_submitting_shows_the_end_page_and_the_used_link_is_refused(client, invitation):
    inv, token = invitation
    started(client, token)
    review = client.get(url("attempt_review", token))
    assert "You have not answered questions 1, 2, 3, 4, 5" in review.content.decode()
    done = client.post(url("attempt_finish", token), follow=True)
    assert done.redirect_chain[-1][0] == url("attempt_done", token)
    assert "Your test has been submitted" in done.content.decode()
    # The used link: every page leads to the end page, and writes are refused.
    assert client.get(url("attempt_landing", token))["Location"] == url("attempt_done", token)
    assert client.get(url("attempt_question", token, 1))["Location"] == url("attempt_done", token)
    closed = save(client, token, 1, 0, 0)
    assert closed.status_code == 409 and closed.json()["closed"] is True
    assert "submitted" in closed.json()["error"]
    assert client.post(url("attempt_finish", token))["Location"] == url("attempt_done", token)


def test_an_unknown_or_altered_link_is_refused(client, invitation):
    _, token = invitation
    for bad in (token[:-2] + "zz", "nope"):
        page = client.get(url("attempt_landing", bad))
        assert page.status_code == 404
        assert "This link is not valid" in page.content.decode()
        assert save(client, bad, 1, 0, 0).status_code == 404


def test_an_expired_link_is_refused_but_a_started_test_continues(client, assessment):
    _, token = factories.make_invitation(assessment, expires_in=timedelta(seconds=-5))
    page = client.get(url("attempt_landing", token))
    assert page.status_code == 410 and "expired" in page.content.decode()
    assert client.post(url("attempt_begin", token)).status_code == 410
    inv, token = factories.make_invitation(assessment, name="Started Early")
    attempt_start(inv)
    inv.expires_at = inv.expires_at - timedelta(days=30)
    inv.save(update_fields=["expires_at"])
    assert client.get(url("attempt_question", token, 1)).status_code == 200


def test_the_deadline_passed_submits_on_next_access(client, invitation):
    inv, token = invitation
    started(client, token)
    attempt = inv.attempt
    attempt.deadline = attempt.started_at  # time is up
    attempt.save(update_fields=["deadline"])
    page = client.get(url("attempt_question", token, 1), follow=True)
    assert "The time limit was reached" in page.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.submit_reason == "deadline"


def test_one_candidate_cannot_reach_another_candidates_attempt(client, assessment):
    inv_a, token_a = factories.make_invitation(assessment, name="Ada A")
    inv_b, token_b = factories.make_invitation(assessment, name="Bob B")
    started(client, token_a)
    started(client, token_b)
    coding = number_of(inv_b.attempt, Kind.CODING)
    run = client.post(url("sample_run", token_b, coding), {"source": factories.GOOD_LAYERNORM})
    assert run.status_code == 200
    submission = Submission.objects.get(answer__attempt=inv_b.attempt)
    # A's link cannot read B's sample run, and A's saves land only in A's attempt.
    assert client.get(url("sample_run_status", token_a, submission.pk)).status_code == 404
    assert client.get(url("sample_run_status", token_b, submission.pk)).status_code == 200
    assert save(client, token_a, 1, None, 0).status_code == 200
    assert inv_b.attempt.answers.filter(revision__gt=0).count() == 0


def test_sample_runs_answer_429_beyond_the_rate_limit(client, invitation, settings):
    settings.ASSESS_SAMPLE_RUNS_PER_MINUTE = 1
    inv, token = invitation
    started(client, token)
    coding = number_of(inv.attempt, Kind.CODING)
    assert client.post(url("sample_run", token, coding), {"source": "x = 1"}).status_code == 200
    limited = client.post(url("sample_run", token, coding), {"source": "x = 1"})
    assert limited.status_code == 429 and "1 times a minute" in limited.content.decode()
    assert int(limited["Retry-After"]) >= 1


def test_a_recruiter_of_another_organization_is_refused_the_report(
    client, invitation, django_user_model
):
    inv, _ = invitation
    attempt = attempt_start(inv)
    report = reverse("assess:attempt_report", args=[attempt.pk])
    # Our recruiter: a member of the attempt's organization.
    ours = django_user_model.objects.create_user("ours", password="pw-123456789")
    Membership.objects.create(user=ours, organization=inv.organization, role=Role.RECRUITER)
    # Their recruiter: a member of another organization only.
    theirs = django_user_model.objects.create_user("theirs", password="pw-123456789")
    Membership.objects.create(
        user=theirs, organization=factories.make_org("other"), role=Role.RECRUITER
    )
    assert client.get(report).status_code == 302  # anonymous: to the login page
    client.force_login(theirs)
    refused = client.get(report)
    missing = client.get(reverse("assess:attempt_report", args=[attempt.pk + 1000]))
    # Another organization's attempt and a missing one look the same: ids cannot be probed.
    assert refused.status_code == missing.status_code == 404
    assert refused.content == missing.content
    client.force_login(ours)
    page = client.get(report)
    assert page.status_code == 200 and "Ada Lovelace" in page.content.decode()
