"""The report opens with what a non-expert needs in a minute: what the candidate can and
cannot do by topic, the mistakes the grader recognized in their code, and where they
stand among the other candidates of the same assessment once there are enough."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from grader.models import Submission, SubmissionStatus
from tests.assess import factories


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr("grader.routing.submissions_enqueue", lambda ids: len(ids))


def take(assessment, name, choice):
    inv, _ = factories.make_invitation(assessment, name=name)
    attempt = attempt_start(inv)
    answer_save(attempt, 0, choice, 0)
    return attempt_submit(attempt)


def report(client, attempt) -> str:
    return client.get(reverse("org:report", args=["acme", attempt.pk])).content.decode()


def test_the_standing_among_other_candidates_appears_once_five_are_graded(
    client, recruiter, org, bank
):
    assessment = factories.make_assessment(org, [bank["single"]], minutes=10)
    best = take(assessment, "Ada Best", 0)  # the right answer
    for n in range(4):
        take(assessment, f"Wrong {n}", 1)
    page = report(client, best)
    assert 'id="standing"' not in page and "once five others have been graded" in page
    take(assessment, "Wrong 4", 1)
    take(assessment, "Right too", 0)
    page = report(client, best)
    assert "Scored higher than 83% of the 6 other candidates of this assessment." in page
    assert "<strong>Can:</strong> The normalization operation: 100%" in page


def test_the_mistakes_the_grader_recognized_are_named(client, recruiter, org, bank):
    assessment = factories.make_assessment(org, [bank["coding"]], minutes=30)
    inv, _ = factories.make_invitation(assessment)
    attempt = attempt_start(inv)
    answer_save(attempt, 0, factories.WRONG_LAYERNORM, 0)
    attempt_submit(attempt)
    Submission.objects.update(
        status=SubmissionStatus.GRADED,
        verdict="wrong_answer",
        report={
            "verdict": "wrong_answer",
            "diagnosis": {
                "slug": "eps-outside-sqrt",
                "title": "Epsilon outside the square root",
                "explanation": "…",
            },
        },
    )
    page = report(client, attempt)
    assert (
        "Mistakes the grader recognized in the code:</strong> Epsilon outside the square root."
        in page
    )


def test_the_plain_language_summary_is_shown_once(client, recruiter, org, bank):
    assessment = factories.make_assessment(org, [bank["single"]], minutes=10)
    page = report(client, take(assessment, "Ada Best", 0))
    summary = "Scored 100%, and met the pass mark of 60%."
    assert page.count(summary) == 1
    assert '<p id="minute-summary">' + summary in page  # in the "In a minute" card, first
    # ... and so are its strengths: the card's "Can:" line, not a second "Strengths" list.
    assert page.count("100% of 1 question") == 1 and "<strong>Strengths</strong>" not in page
    assert "<h2>Strengths</h2>" not in page
    # The level has one line, in the card: not again in the body below it.
    assert page.count("Suggested interview level") == 1
