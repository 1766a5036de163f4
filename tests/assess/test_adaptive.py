"""Adaptive sections: a recruiter makes one in the builder; the candidate gets each next
question by maximum information at the current estimate, confirmed answers stay fixed,
the attempt records every step (and replays to the same draw), time limits still hold."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assess.attempts.adaptive import adaptive_left
from assess.attempts.services import (
    AnswerConfirmed,
    AttemptClosed,
    adaptive_confirm,
    answer_save,
    attempt_start,
    attempt_submit,
)
from assess.calibration.models import ItemCalibration, ItemParameter
from assess.calibration.services import item_parameters
from assess.hiring.draws import adaptive_pool
from assess.hiring.services import RecruitingError, section_set_adaptive
from assess.models import Section
from assess.scoring import attempt_results
from quizzes import irt
from quizzes.models import ExposureParameters
from tests.assess import factories


@pytest.fixture
def adaptive_assessment(db, org):
    factories.make_choice_questions()
    assessment = factories.make_assessment(org, [], shuffle=False)
    section = assessment.sections.get()
    section.draw_topic = factories.make_topics()["normalization-operation"]
    section.save(update_fields=["draw_topic"])
    section_set_adaptive(
        section,
        adaptive=True,
        adaptive_min_items=4,
        adaptive_max_items=6,
        adaptive_target_se=0.05,  # never reached with 6 items: the section runs to its max
        adaptive_exposure=1,
    )
    return assessment


def right_index(answer) -> int:
    """The shown position of the correct choice (the bank's choice 0)."""
    return 0 if answer.choice_order is None else answer.choice_order.index(0)


def take(attempt, pattern):
    """Answer each adaptive question right (True) or wrong (False) and confirm it."""
    shown = []
    answer = attempt.answers.order_by("-position").first()
    for right in pattern:
        if answer is None:
            break
        shown.append(answer)
        pick = right_index(answer) if right else 1 - right_index(answer)
        answer_save(attempt, answer.position, pick, answer.revision)
        answer = adaptive_confirm(attempt, answer.position)
    return shown, answer


def test_the_candidate_gets_one_question_at_a_time_until_the_maximum(adaptive_assessment):
    inv, _ = factories.make_invitation(adaptive_assessment)
    attempt = attempt_start(inv)
    assert attempt.answers.count() == 1  # only the first adaptive question so far
    shown, after = take(attempt, [True] * 10)
    assert len(shown) == 6 and after is None  # stops at the section's maximum
    assert adaptive_left(attempt) == 0
    keys = [a.question_version.question.key for a in shown]
    assert len(set(keys)) == 6  # never the same question twice
    attempt.refresh_from_db()
    record = attempt.adaptive_record
    assert [s["question"] for s in record] == keys
    assert [s["position"] for s in record] == list(range(6))
    # Right answers push the estimate up and every answer narrows it.
    thetas, ses = [s["theta"] for s in record], [s["se"] for s in record]
    assert thetas == sorted(thetas) and ses == sorted(ses, reverse=True)
    assert all(s["score"] == 1.0 and s["calibration"] is None for s in record)


def test_the_first_question_is_the_most_informative_at_the_prior(adaptive_assessment):
    section = adaptive_assessment.sections.get()
    pool = adaptive_pool(section)
    params = item_parameters(pool)
    info = irt.information(0.0, [params.discrimination[q.pk] for q in pool],
                           [params.difficulty[q.pk] for q in pool])  # fmt: skip
    inv, _ = factories.make_invitation(adaptive_assessment)
    first = attempt_start(inv).answers.get()
    # With the level priors, the mid questions (b = 0) are the most informative at 0.
    assert info[pool.index(first.question_version.question)] == pytest.approx(info.max())
    assert first.question_version.question.level == "mid"


def test_wrong_answers_lead_to_easier_questions(adaptive_assessment):
    section = adaptive_assessment.sections.get()
    section_set_adaptive(
        section,
        adaptive=True,
        adaptive_min_items=4,
        adaptive_max_items=10,
        adaptive_target_se=0.05,
        adaptive_exposure=1,
    )
    inv, _ = factories.make_invitation(adaptive_assessment)
    attempt = attempt_start(inv)
    shown, after = take(attempt, [False] * 10)
    levels = [a.question_version.question.level for a in shown]
    assert levels[0] == "mid" and set(levels[2:]) == {"junior"}
    # Once the minimum is asked and "not yet junior" is 95% sure, the section ends early.
    assert after is None and 4 <= len(shown) < 10
    attempt.refresh_from_db()
    last = attempt.adaptive_record[-1]
    section = adaptive_assessment.sections.get()
    pool = adaptive_pool(section)
    params = item_parameters(pool)
    estimate = irt.estimate_ability(
        [0.0] * len(shown),
        [params.discrimination[a.question_version.question_id] for a in shown],
        [params.difficulty[a.question_version.question_id] for a in shown],
    )
    assert last["theta"] == pytest.approx(estimate.theta, abs=1e-4)
    assert estimate.level_probabilities(params.cuts)["not_yet_junior"] >= 0.95


def replayed_questions(attempt, section, params=None) -> list[int]:
    """The question ids `quizzes.irt` draws again from the attempt's record alone."""
    pool = adaptive_pool(section)
    params = params or item_parameters(pool)
    a = [params.discrimination[q.pk] for q in pool]
    b = [params.difficulty[q.pk] for q in pool]
    k = None if params.exposure is None else [params.exposure[q.pk] for q in pool]
    index = {q.pk: j for j, q in enumerate(pool)}
    record = attempt.adaptive_record
    drawn = []
    for step in range(len(record)):
        item, _ = irt.next_adaptive_item(
            section.adaptive_rule(),
            a,
            b,
            [index[s["question_id"]] for s in record[:step]],
            [s["score"] for s in record[:step]],
            params.cuts,
            seed=attempt.adaptive_seed + section.position,
            exposure=k,
        )
        drawn.append(pool[item].pk)
    return drawn


def test_the_record_replays_to_the_same_draw(adaptive_assessment):
    inv, _ = factories.make_invitation(adaptive_assessment)
    attempt = attempt_start(inv)
    take(attempt, [True, False, True, True, False, False])
    attempt.refresh_from_db()
    section = adaptive_assessment.sections.get()
    assert replayed_questions(attempt, section) == [
        s["question_id"] for s in attempt.adaptive_record
    ]


@pytest.fixture
def exposure_control(adaptive_assessment):
    """A calibration whose Sympson-Hetter parameters never let a junior question through
    (k 0), the mid ones half the time and the senior ones always."""
    pool = adaptive_pool(adaptive_assessment.sections.get())
    calibration = ItemCalibration.objects.create(
        candidates=0, responses=0, converged=True, iterations=1, junior_cut=-1.5,
        mid_cut=-0.5, senior_cut=0.5, priors={},
    )  # fmt: skip
    centre = {"junior": -1.0, "mid": 0.0, "senior": 1.0}
    ItemParameter.objects.bulk_create(
        ItemParameter(
            calibration=calibration,
            question=q,
            level=q.level,
            discrimination=1 + j / 20,
            difficulty=centre[q.level],
            discrimination_se=0.1,
            difficulty_se=0.1,
            responses=0,
        )  # fmt: skip
        for j, q in enumerate(pool)
    )
    k = {"junior": 0.0, "mid": 0.5, "senior": 1.0}
    return ExposureParameters.objects.create(
        calibration_id=calibration.pk, target=0.25, tolerance=0.02,
        k={str(q.pk): k[q.level] for q in pool}, simulated_candidates=500,
        simulated_max_exposure=0.26, iterations=3, converged=True,
    )  # fmt: skip


def test_with_exposure_control_a_question_that_lost_its_lottery_is_never_shown(
    adaptive_assessment, exposure_control
):
    levels = []
    for i in range(4):
        inv, _ = factories.make_invitation(adaptive_assessment, name=f"Candidate {i}")
        attempt = attempt_start(inv)
        # Wrong answers: without the control these candidates get junior questions.
        shown, _ = take(attempt, [False] * 6)
        levels += [a.question_version.question.level for a in shown]
        attempt.refresh_from_db()
        assert {s["max_exposure"] for s in attempt.adaptive_record} == {0.25}
        assert {s["calibration"] for s in attempt.adaptive_record} == {
            exposure_control.calibration_id
        }
    assert "junior" not in levels
    assert "mid" in levels and "senior" in levels  # mid questions lose half their lotteries


def test_a_section_drawing_part_of_the_bank_runs_without_the_banks_exposure_control(
    adaptive_assessment, exposure_control
):
    section = adaptive_assessment.sections.get()
    section.draw_level = "mid"  # k 0.5: the bank's lotteries would reorder them
    section.save(update_fields=["draw_level"])
    inv, _ = factories.make_invitation(adaptive_assessment)
    attempt = attempt_start(inv)
    take(attempt, [False] * 6)
    attempt.refresh_from_db()
    assert {s["max_exposure"] for s in attempt.adaptive_record} == {None}
    params = item_parameters(adaptive_pool(section))
    assert params.exposure is not None  # the calibration has k, the section does not use them
    drawn = [s["question_id"] for s in attempt.adaptive_record]
    params_free = replace(params, exposure=None)
    assert replayed_questions(attempt, section, params_free) == drawn


def test_a_replay_with_exposure_control_gives_the_same_questions(
    adaptive_assessment, exposure_control
):
    inv, _ = factories.make_invitation(adaptive_assessment)
    attempt = attempt_start(inv)
    take(attempt, [True, False, True, True, False, False])
    attempt.refresh_from_db()
    section = adaptive_assessment.sections.get()
    recorded = [s["question_id"] for s in attempt.adaptive_record]
    assert len(recorded) == 6
    assert replayed_questions(attempt, section) == recorded


def test_a_confirmed_answer_cannot_change_and_only_the_current_one_confirms(
    adaptive_assessment, client
):
    inv, token = factories.make_invitation(adaptive_assessment)
    attempt = attempt_start(inv)
    first = attempt.answers.get()
    answer_save(attempt, 0, right_index(first), 0)
    adaptive_confirm(attempt, 0)
    with pytest.raises(AnswerConfirmed):
        answer_save(attempt, 0, 1 - right_index(first), 1)
    with pytest.raises(AnswerConfirmed):
        adaptive_confirm(attempt, 0)  # already confirmed
    save = reverse("assess:answer_autosave", args=[token, 1])
    response = client.post(save, {"response": 1, "revision": 1}, content_type="application/json")
    assert response.status_code == 409
    # Confirming over the page moves on to the next question.
    response = client.post(reverse("assess:adaptive_next", args=[token, 2]))
    assert response.status_code == 302
    assert response["Location"] == reverse("assess:attempt_question", args=[token, 3])
    # A second click on the same button lands on the question now waiting.
    response = client.post(reverse("assess:adaptive_next", args=[token, 2]))
    assert response["Location"] == reverse("assess:attempt_question", args=[token, 3])
    page = client.get(reverse("assess:attempt_question", args=[token, 1])).content.decode()
    assert "Confirmed: this answer can no longer change." in page and "disabled" in page
    assert "(up to 3 more chosen from your answers)" in page  # 6 at most, 3 shown


def test_after_the_deadline_nothing_is_confirmed_and_the_attempt_is_submitted(
    adaptive_assessment,
):
    inv, _ = factories.make_invitation(adaptive_assessment)
    attempt = attempt_start(inv)
    answer = attempt.answers.get()
    answer_save(attempt, 0, right_index(answer), 0)
    with pytest.raises(AttemptClosed):
        adaptive_confirm(attempt, 0, now=timezone.now() + timedelta(hours=2))
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.answers.count() == 1
    # The question on screen at the deadline is scored like any answer at submission.
    assert attempt.answers.get().score == 1.0


def test_submitted_adaptive_answers_count_in_the_results(adaptive_assessment):
    inv, _ = factories.make_invitation(adaptive_assessment)
    attempt = attempt_start(inv)
    take(attempt, [True, True, False])
    results = attempt_results(attempt_submit(attempt))
    assert results.total.possible == 4  # three confirmed, one shown and unanswered
    assert results.total.earned == 2.0
    assert results.ability.items == 4


def test_a_recruiter_makes_a_section_adaptive_in_the_builder(client, recruiter, org):
    factories.make_choice_questions()
    assessment = factories.make_assessment(org, [])
    section = assessment.sections.get()
    change = reverse("org:section_change", args=["acme", assessment.pk, section.pk, "adaptive"])
    settings = {
        "adaptive": "on",
        "adaptive_min_items": 3,
        "adaptive_max_items": 8,
        "adaptive_target_se": 0.4,
        "adaptive_exposure": 4,
    }
    # No draw filter and nothing picked: the filters read "any", so the section adapts over
    # the bank's 18 choice questions (a newcomer met "pool has 0" with the defaults).
    page = client.post(change, settings, follow=True).content.decode()
    assert "The adaptive pool has" not in page
    assert len(adaptive_pool(Section.objects.get(pk=section.pk))) == 18
    # A filter the bank cannot fill is refused with the pool's size.
    client.post(
        reverse("org:section_change", args=["acme", assessment.pk, section.pk, "draw"]),
        {"draw_count": 0, "draw_kind": "numeric", "draw_level": "", "draw_topic": ""},
    )
    page = client.post(change, settings, follow=True).content.decode()
    assert "The adaptive pool has 0" in page
    client.post(
        reverse("org:section_change", args=["acme", assessment.pk, section.pk, "draw"]),
        {"draw_count": 0, "draw_kind": "single_choice", "draw_level": "", "draw_topic": ""},
    )
    page = client.post(change, {**settings, "adaptive_min_items": 9}, follow=True)
    assert "the minimum is more than the maximum" in page.content.decode()
    page = client.post(change, settings, follow=True).content.decode()
    section.refresh_from_db()
    assert section.adaptive and section.adaptive_max_items == 8
    assert section.adaptive_rule().randomesque == 4
    assert "up to 8 adaptive" in page
    page = client.post(change, {**settings, "adaptive_target_se": "abc"}, follow=True)
    assert "Target SE" in page.content.decode()
    assert Section.objects.get(pk=section.pk).adaptive_target_se == 0.4


def test_an_adaptive_section_refuses_questions_that_need_a_grader(db, org):
    factories.make_choice_questions(3)
    assessment = factories.make_assessment(org, [])
    section = assessment.sections.get()
    section.draw_kind = "coding"
    with pytest.raises(RecruitingError, match="only choice and numeric"):
        section_set_adaptive(
            section,
            adaptive=True,
            adaptive_min_items=1,
            adaptive_max_items=3,
            adaptive_target_se=0.3,
            adaptive_exposure=1,
        )
