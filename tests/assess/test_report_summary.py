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
    summary = "Scored 100%, and met the pass mark of 60%. Suggested interview level: junior."
    assert page.count(summary) == 1
    assert '<p id="minute-summary">' + summary in page  # in the "In a minute" card, first
    # ... and so are its strengths: the card's "Can:" line, not a second "Strengths" list.
    assert page.count("100% of 1 question") == 1 and "<h2>Strengths</h2>" not in page


def test_the_minute_card_says_how_sure_the_level_is_and_that_the_bank_is_not_calibrated(
    client, recruiter, org, bank
):
    assessment = factories.make_assessment(org, [bank["single"]], minutes=10)
    page = report(client, take(assessment, "Ada Best", 0))
    card = page.split('id="in-a-minute"')[1].split("</div>")[0]
    how_sure = card.split('id="how-sure">')[1].split("</li>")[0]
    assert "<strong>Level, and how sure:</strong>" in how_sure
    assert "Too few scored answers (1) to be sure: junior is the most likely" in how_sure
    assert "The question bank is not calibrated on enough candidates yet" in how_sure


@pytest.mark.parametrize(
    "probabilities, calibration, words",
    [
        ({"junior": 0.03, "mid": 0.92, "senior": 0.05}, 3, "Very sure (92%): mid."),
        (
            {"junior": 0.22, "mid": 0.72, "senior": 0.06},
            3,
            "Fairly sure (72%): mid; could also be junior (22%).",
        ),
        (
            {"junior": 0.30, "mid": 0.40, "senior": 0.30},
            None,
            "Unsure (40%): mid; could also be junior (30%) or senior (30%). The question "
            "bank is not calibrated",
        ),
    ],
)
def test_how_sure_in_words(probabilities, calibration, words):
    from assess.review.selectors import how_sure_words
    from assess.scoring import AbilityLevel

    ability = AbilityLevel(0.5, 0.4, probabilities, 10, calibration)
    sentence = how_sure_words(ability, provisional=False)
    assert sentence.startswith(words)
    assert ("not calibrated" in sentence) is (calibration is None)


def test_a_level_from_few_answers_is_never_called_sure():
    from assess.review.selectors import how_sure_words
    from assess.scoring import AbilityLevel

    ability = AbilityLevel(-0.2, 0.8, {"junior": 0.75, "mid": 0.21, "senior": 0.04}, 2, 3)
    assert how_sure_words(ability, provisional=True) == (
        "Too few scored answers (2) to be sure: junior is the most likely (75%); could also "
        "be mid (21%). So far: some answers still wait for a grade."
    )


def test_when_the_percent_rule_and_the_calibrated_level_disagree_the_card_says_why():
    # A reader would otherwise meet "Suggested interview level: junior" and "Fairly sure:
    # mid" in the same card with nothing to reconcile them.
    from assess.review.selectors import how_sure_words
    from assess.scoring import AbilityLevel

    ability = AbilityLevel(0.5, 0.4, {"junior": 0.2, "mid": 0.75, "senior": 0.05}, 10, 3)
    disagree = how_sure_words(ability, provisional=False, rule_level="junior")
    assert disagree.startswith("Fairly sure (75%): mid; could also be junior (20%).")
    assert "The suggested level above (junior) counts right answers per level" in disagree
    agree = how_sure_words(ability, provisional=False, rule_level="mid")
    assert "suggested level above" not in agree
