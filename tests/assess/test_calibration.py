"""The calibrated level estimate: item parameters fitted from scored answers (versioned,
in the admin), and every attempt's ability with its SE and level probabilities."""

from __future__ import annotations

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.calibration.models import ItemCalibration, ItemParameter
from assess.calibration.services import item_calibration_run, item_parameters
from assess.models import AttemptStatus, Membership, Role
from assess.scoring import attempt_results
from assess.tasks import calibrate_items
from quizzes.models import ExposureParameters
from tests.assess import factories


@pytest.fixture
def quick(org, bank):
    """An assessment of the three auto-scored questions: scored in full on submission."""
    return factories.make_assessment(org, [bank[k] for k in ("single", "multiple", "numeric")])


@pytest.fixture
def reviewer(client, db, org, django_user_model):
    user = django_user_model.objects.create_user("victor", password="pw-xyz-12345678")
    Membership.objects.create(user=user, organization=org, role=Role.REVIEWER)
    client.force_login(user)
    return user


def scored_attempts(assessment, scores_by_key: list[dict[str, float]]):
    """Submitted attempts whose answers carry the given scores (keys: bank ids)."""
    attempts = []
    for i, scores in enumerate(scores_by_key):
        inv, _ = factories.make_invitation(assessment, name=f"Candidate {i}")
        attempt = attempt_start(inv)
        for answer in attempt.answers.select_related("question_version__question"):
            answer.score = scores.get(answer.question_version.question.key)
            answer.save(update_fields=["score"])
        attempt.status = AttemptStatus.SUBMITTED
        attempt.save(update_fields=["status"])
        attempts.append(attempt)
    return attempts


def test_before_any_calibration_the_estimate_uses_the_level_priors(quick):
    inv, _ = factories.make_invitation(quick)
    attempt = attempt_start(inv)
    single = next(a for a in attempt.answers.all() if a.kind == "single_choice")
    answer_save(attempt, single.position, 0, 0)  # the right choice
    results = attempt_results(attempt_submit(attempt))
    ability = results.ability
    assert ability is not None and ability.calibration_id is None
    assert ability.items == 3
    assert sum(ability.probabilities.values()) == pytest.approx(1.0)
    assert 0.3 < ability.se < 1.0  # three items say little
    assert str(ability) == f"{ability.level.replace('_', ' ')}, {ability.confidence:.0%} likely"


def test_an_attempt_with_nothing_scored_has_no_estimate(assessment):
    inv, _ = factories.make_invitation(assessment)
    assert attempt_results(attempt_start(inv)).ability is None


def test_calibration_fits_harder_questions_harder_and_keeps_every_version(quick, bank):
    rng = np.random.default_rng(0)
    # The junior single-choice question turns out hard, the mid multiple-choice one easy.
    rows = [
        {"t-single": float(rng.random() < 0.15), "t-multiple": float(rng.random() < 0.9)}
        for _ in range(80)
    ]
    scored_attempts(quick, rows)
    inv, _ = factories.make_invitation(quick, name="Still Working")
    live = attempt_start(inv)
    live.answers.update(score=1.0)  # an attempt in progress does not count
    first = item_calibration_run()
    assert first.candidates == 80 and first.responses == 160
    params = {p.question.key: p for p in first.items.select_related("question")}
    assert set(params) == {q.key for q in bank.values()}  # every active question
    assert params["t-single"].difficulty > params["t-multiple"].difficulty
    assert params["t-single"].responses == 80
    assert params["t-numeric"].responses == 0  # never scored: its level prior
    assert params["t-numeric"].difficulty == -1.0 and params["t-numeric"].difficulty_se == 1.0
    assert first.converged
    second = item_calibration_run()
    assert ItemCalibration.objects.count() == 2 and second.pk > first.pk
    assert ItemParameter.objects.filter(calibration=first).count() == len(bank)


def test_reports_use_the_newest_calibration(quick):
    scored_attempts(quick, [{"t-single": 1.0, "t-multiple": 0.0}] * 20)
    calibration = item_calibration_run()
    inv, _ = factories.make_invitation(quick, name="Later Candidate")
    attempt = attempt_submit(attempt_start(inv))
    ability = attempt_results(attempt).ability
    assert ability.calibration_id == calibration.pk


def test_the_report_shows_the_level_with_its_probability(client, reviewer, quick):
    inv, _ = factories.make_invitation(quick)
    attempt = attempt_start(inv)
    single = next(a for a in attempt.answers.all() if a.kind == "single_choice")
    answer_save(attempt, single.position, 0, 0)
    attempt = attempt_submit(attempt)
    ability = attempt_results(attempt).ability
    page = client.get(reverse("org:report", args=["acme", attempt.pk])).content.decode()
    details = page.split('id="level-details"')[1].split("</details>")[0]
    assert f"junior {round(100 * ability.probabilities['junior'])}%" in details
    assert f"not yet junior {round(100 * ability.probabilities['not_yet_junior'])}%" in details
    assert "Question parameters: the level priors</dt>" in details


def test_the_command_and_the_task_store_a_new_version(quick, capsys):
    scored_attempts(quick, [{"t-single": 1.0}] * 3)
    call_command("calibrate_items")
    out = capsys.readouterr().out
    assert "3 scored answers" in out
    assert "no exposure control (switched off, or too few adaptive questions)" in out
    assert calibrate_items() == ItemCalibration.objects.latest().pk
    assert ItemCalibration.objects.count() == 2


def test_a_calibration_comes_with_sympson_hetter_parameters_for_adaptive_sections(
    db, settings, capsys
):
    # Candidates take about 19.5 of these 24 questions (a mean exposure of 0.81), so only a
    # cap above that can be met; 60 simulated candidates converge in a few iterations.
    settings.ASSESS_ADAPTIVE_MAX_EXPOSURE = 0.9
    settings.ASSESS_ADAPTIVE_EXPOSURE_CANDIDATES = 60
    pool = factories.make_choice_questions(24)
    call_command("calibrate_items")
    assert "exposure control: r_max 0.9, 4 of 24" in capsys.readouterr().out
    control = ExposureParameters.objects.get(calibration_id=ItemCalibration.objects.latest().pk)
    assert control.target == 0.9 and control.converged
    assert control.simulated_max_exposure <= 0.9 + control.tolerance
    assert set(control.k) == {str(q.pk) for q in pool}
    assert all(0 <= k <= 1 for k in control.k.values())
    assert min(control.k.values()) < 1  # some are held back
    params = item_parameters(pool)
    assert params.max_exposure == 0.9
    assert params.exposure == {q.pk: control.k[str(q.pk)] for q in pool}


def test_no_exposure_control_when_switched_off_or_the_pool_cannot_meet_it(db, settings):
    settings.ASSESS_ADAPTIVE_EXPOSURE_CANDIDATES = 60
    pool = factories.make_choice_questions(12)  # 5 items each need 20 to stay under 25 %
    assert item_parameters(pool).exposure is None  # no calibration yet
    item_calibration_run()
    assert not ExposureParameters.objects.exists()
    assert item_parameters(pool).exposure is None
    factories.make_choice_questions(24)  # 36 now: enough for the minimum, not for 15 each
    item_calibration_run()
    assert not ExposureParameters.objects.exists()
    settings.ASSESS_ADAPTIVE_MAX_EXPOSURE = 1.0
    item_calibration_run()
    assert not ExposureParameters.objects.exists()


def test_an_exposure_control_that_did_not_converge_is_not_used(db, settings):
    pool = factories.make_choice_questions(24)
    calibration = item_calibration_run()
    ExposureParameters.objects.create(
        calibration_id=calibration.pk, target=0.25, tolerance=0.02,
        k={str(q.pk): 0.1 for q in pool}, simulated_candidates=60,
        simulated_max_exposure=0.7, iterations=30, converged=False,
    )  # fmt: skip
    assert item_parameters(pool).exposure is None


def test_item_parameters_are_shown_read_only_in_the_admin(client, quick, django_user_model):
    scored_attempts(quick, [{"t-single": 1.0}] * 3)
    calibration = item_calibration_run()
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-xyz-1234567")
    client.force_login(root)
    page = client.get(reverse("admin:assess_itemcalibration_change", args=[calibration.pk]))
    assert page.status_code == 200 and "t-single" in page.content.decode()
    assert client.get(reverse("admin:assess_itemparameter_changelist")).status_code == 200
    assert client.get(reverse("admin:assess_itemcalibration_add")).status_code == 403


def test_exposure_parameters_are_shown_read_only_in_the_admin(client, db, settings):
    settings.ASSESS_ADAPTIVE_MAX_EXPOSURE = 0.9  # what 24 questions can meet
    settings.ASSESS_ADAPTIVE_EXPOSURE_CANDIDATES = 60
    factories.make_choice_questions(24)
    item_calibration_run()
    control = ExposureParameters.objects.get()
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-xyz-1234567")
    client.force_login(root)
    listing = client.get(reverse("admin:quizzes_exposureparameters_changelist")).content.decode()
    assert f"exposure control of calibration v{control.calibration_id} (r_max 0.9)" in listing
    page = client.get(reverse("admin:quizzes_exposureparameters_change", args=[control.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:quizzes_exposureparameters_add")).status_code == 403
