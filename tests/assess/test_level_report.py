"""The level a recruiter reads: a scale with a floor below junior, one headline level (the
calibrated estimate's when every question taken is calibrated, the percent rule's
otherwise, and which one says so), a certainty that is never 100 % and says how many
scored answers it rests on, the jargon only in the details with what it means."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.urls import reverse

from assess.attempts.models import Attempt, CandidateLevel
from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.calibration.models import ItemCalibration, ItemParameter
from assess.review.level_words import certainty_words
from assess.scoring import (
    AbilityLevel,
    AttemptResults,
    LevelSource,
    Tally,
    attempt_results,
    percent_words,
)
from tests.assess import factories

# 31 single-choice questions, junior / mid / senior in turn (11 / 10 / 10).
QUESTIONS = 31


@pytest.fixture
def screen(org):
    questions = factories.make_choice_questions(QUESTIONS)
    return factories.make_assessment(org, questions, minutes=60), questions


def taken(assessment, name: str, right) -> Attempt:
    """A submitted attempt whose answers are right where `right(question)` says so."""
    inv, _ = factories.make_invitation(assessment, name=name)
    attempt = attempt_start(inv)
    for answer in attempt.answers.select_related("question_version__question"):
        if right(answer.question_version.question):
            answer_save(attempt, answer.position, 0, 0)  # the bank's first choice is right
        else:
            answer_save(attempt, answer.position, 1, 0)
    attempt_submit(attempt)
    attempt.refresh_from_db()
    return attempt


def strong(question) -> bool:
    """Every junior and mid question and 4 of the 10 senior ones: 25 of 31, 81 %."""
    number = int(question.key.split("-")[1])
    return question.level != "senior" or number < 12


def weak(question) -> bool:
    """One junior question of 31: 3 %."""
    return question.key == "ad-00"


def report(client, attempt) -> str:
    return client.get(reverse("org:report", args=["acme", attempt.pk])).content.decode()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def calibrate(questions, responses: int) -> ItemCalibration:
    """A stored calibration in which each question was answered `responses` times, its
    parameters at the level priors with a measured SE."""
    calibration = ItemCalibration.objects.create(
        candidates=responses, responses=responses * len(questions), converged=True,
        iterations=5, junior_cut=-0.59, mid_cut=0.41, senior_cut=1.41, priors={},
    )  # fmt: skip
    centre = {"junior": -1.0, "mid": 0.0, "senior": 1.0}
    ItemParameter.objects.bulk_create(
        ItemParameter(
            calibration=calibration,
            question=q,
            level=q.level,
            discrimination=1.0,
            difficulty=centre[q.level],
            discrimination_se=0.1,
            difficulty_se=0.2,
            responses=responses,
        )  # fmt: skip
        for q in questions
    )
    return calibration


# ---------------------------------------------------------------- the rule and certainty


def test_a_candidate_who_scored_3_percent_and_failed_is_not_yet_junior(screen):
    assessment, _ = screen
    attempt = taken(assessment, "Wes Weak", weak)
    assert round(attempt.score_percent) == 3 and attempt.passed is False
    assert attempt.level_estimate == CandidateLevel.NOT_YET_JUNIOR
    results = attempt_results(attempt)
    headline = results.headline
    assert headline.level == "not_yet_junior" and headline.source == LevelSource.PERCENT_RULE
    assert headline.scored_answers == QUESTIONS
    # The estimate agrees on what the levels mean: it too places the candidate below junior.
    assert results.ability.level == "not_yet_junior"
    assert not results.ability.calibrated


def test_certainty_is_never_shown_as_100_or_0_percent():
    assert percent_words(1.0) == "over 99%"
    assert percent_words(0.9951) == "over 99%"
    assert percent_words(0.99) == "99%"
    assert percent_words(0.0) == "under 1%"
    assert percent_words(0.804) == "80%"


def test_certainty_says_how_many_answers_it_rests_on_and_when_they_are_too_few():
    assert certainty_words(0.804, 30) == "80% likely, from 30 scored answers"
    assert certainty_words(0.75, 2) == (
        "75% likely, but from only 2 scored answers: too few to be sure"
    )
    assert certainty_words(0.6, 1).startswith("60% likely, but from only 1 scored answer:")


def results_with(ability: AbilityLevel | None, rule: str, complete: bool = True):
    total = Tally("Total", questions=1, possible=1, pending=0 if complete else 1)
    return AttemptResults(total=total, level_estimate=rule if complete else "", ability=ability)


def test_the_headline_is_the_calibrated_estimate_only_when_every_question_is_calibrated():
    probabilities = {"not_yet_junior": 0.05, "junior": 0.15, "mid": 0.7, "senior": 0.1}
    calibrated = AbilityLevel(0.6, 0.4, probabilities, 20, 3, calibrated=True)
    headline = results_with(calibrated, "junior").headline
    assert (headline.level, headline.source, headline.other) == ("mid", "calibrated", "junior")
    assert headline.certainty == 0.7 and headline.scored_answers == 20
    # Some questions still at the priors: the percent rule leads, with the estimate's
    # probability of the rule's level (not of its own), and the estimate in the details.
    partly = AbilityLevel(0.6, 0.4, probabilities, 20, 3, calibrated=False)
    headline = results_with(partly, "junior").headline
    assert (headline.level, headline.source, headline.other) == ("junior", "percent_rule", "mid")
    assert headline.certainty == 0.15
    # The percent rule waits for every answer; a calibrated estimate is given "so far".
    assert results_with(partly, "junior", complete=False).headline is None
    so_far = results_with(calibrated, "junior", complete=False).headline
    assert so_far.level == "mid" and not so_far.final


# -------------------------------------------------------------------- the report's page


def test_the_report_leads_with_one_level_and_says_once_which_method_set_it(
    client, recruiter, screen
):
    assessment, _ = screen
    page = report(client, taken(assessment, "Wes Weak", weak))
    card = text(page.split('id="in-a-minute"')[1].split("</div>")[0])
    assert "Suggested interview level: not yet junior" in card
    assert re.search(r"(\d+|over 99)% likely, from 31 scored answers", card)
    assert card.count("Set by the percent rule") == 1
    assert "100%" not in card
    # No jargon in the card; the details hold it, each term with what it means.
    for term in ("ability", "±", "prior", "SE"):
        assert term not in card
    assert text(page).count("Suggested interview level") == 1
    assert "Very sure" not in page and "junior · Very" not in page
    details = text(page.split('id="level-details"')[1].split("</details>")[0])
    assert "Percent rule not yet junior: a level is reached with at least 60%" in details
    assert re.search(r"Ability -\d\.\d ± \d\.\d, from 31 scored answers", details)
    assert "0 is the average candidate" in details and "standard error" in details
    assert "Question parameters: the level priors" in details
    assert "assumed from their nominal level" in details


def test_on_a_calibrated_bank_the_calibrated_estimate_leads(client, recruiter, screen):
    assessment, questions = screen
    calibrate(questions, responses=200)
    page = report(client, taken(assessment, "Cal Strong", strong))
    card = text(page.split('id="in-a-minute"')[1].split("</div>")[0])
    assert "Set by the calibrated estimate" in card and "percent rule" not in card
    details = text(page.split('id="level-details"')[1].split("</details>")[0])
    assert "Percent rule mid" in details
    assert "Question parameters: calibration v" in details


def test_a_calibration_with_too_few_answers_per_question_leaves_the_percent_rule_in_charge(
    client, recruiter, screen
):
    assessment, questions = screen
    calibrate(questions, responses=10)
    attempt = taken(assessment, "Cal Strong", strong)
    assert attempt_results(attempt).headline.source == LevelSource.PERCENT_RULE
    details = text(report(client, attempt).split('id="level-details"')[1].split("</details>")[0])
    assert "some questions still at the level priors" in details


def test_the_comparison_tells_81_percent_from_3_percent(client, recruiter, screen):
    assessment, _ = screen
    good = taken(assessment, "Ada Strong", strong)
    bad = taken(assessment, "Wes Weak", weak)
    assert round(good.score_percent) == 81 and round(bad.score_percent) == 3
    page = client.get(
        reverse("org:attempts_compare", args=["acme"]), {"attempt": [good.pk, bad.pk]}
    ).content.decode()
    row = page.split("Suggested interview level</th>")[1].split("</tr>")[0]
    cells = [text(c) for c in row.split('<td class="compare-level">')[1:]]
    assert cells[0].startswith("mid ") and "from 31 scored answers; percent rule" in cells[0]
    assert cells[1].startswith("not yet junior ")
    assert "100%" not in row


def test_the_api_gives_the_headline_beside_the_fields_it_had(client, recruiter, screen):
    from assess.api.serializers import ResultsOut

    assessment, _ = screen
    data = ResultsOut(attempt_results(taken(assessment, "Wes Weak", weak))).data
    assert data["level_estimate"] == "not_yet_junior"
    assert data["headline"]["level"] == "not_yet_junior"
    assert data["headline"]["source"] == "percent_rule"
    assert data["headline"]["scored_answers"] == QUESTIONS
    assert 0 < data["headline"]["certainty"] < 1
    ability = data["ability"]
    assert set(ability) >= {"level", "confidence", "probabilities", "theta", "se", "items"}
    assert set(ability["probabilities"]) == {"not_yet_junior", "junior", "mid", "senior"}
    assert ability["calibrated"] is False


# ------------------------------------------------------------------------ stored levels


def test_stored_levels_below_the_junior_bar_move_to_the_floor(screen):
    from importlib import import_module

    migration = import_module("assess.migrations.0011_level_floor_not_yet_junior")
    assessment, questions = screen
    weak_one = taken(assessment, "Wes Weak", weak)
    good = taken(assessment, "Jo Junior", lambda q: q.level == "junior")
    no_junior = factories.make_assessment(
        assessment.organization, [q for q in questions if q.level == "mid"][:3]
    )
    mid_only = taken(no_junior, "Mo Mid", lambda q: False)
    # As the old rule stored them: every one of them "junior".
    Attempt.objects.filter(pk__in=[weak_one.pk, good.pk, mid_only.pk]).update(
        level_estimate="junior"
    )
    migration.floor_stored_levels(apps, None)
    stored = dict(Attempt.objects.values_list("pk", "level_estimate"))
    assert stored[weak_one.pk] == "not_yet_junior"
    assert stored[good.pk] == "junior"  # 100 % on the junior questions
    assert stored[mid_only.pk] == "junior"  # no junior questions: nothing below to tell
