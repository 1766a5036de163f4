"""An organization's own questions in the shared calibration: fitted like the bank's (its
adaptive sections and item statistics read them), but their authors' level labels never
move the level cut points every organization's reports are read against, and the exposure
control is simulated over the bank only."""

from __future__ import annotations

import pytest

from assess.calibration.models import ItemParameter
from assess.calibration.services import item_calibration_run
from quizzes import irt
from quizzes.models import ExposureParameters, Pool
from tests.assess import factories
from tests.assess.library_support import SINGLE, make_people, publish
from tests.assess.test_calibration import scored_attempts

EASY_SENIOR = SINGLE.replace("level: junior", "level: senior")


@pytest.fixture
def items(db, org, django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    bank = factories.make_bank("single", "multiple", "numeric")
    people, _ = make_people(django_user_model, org)
    own = publish(org, people["admin"], EASY_SENIOR).question
    return bank, own


def _cuts(params) -> tuple[float, float, float]:
    return irt.level_cut_points(
        [p.discrimination for p in params],
        [p.difficulty for p in params],
        [p.level for p in params],
    )


def test_a_library_questions_label_does_not_move_the_level_cuts(org, items):
    bank, own = items
    test = factories.make_assessment(org, [bank["single"], bank["multiple"], own])
    # The library's "senior" question is one every candidate gets right; the bank's
    # questions split them.
    rows = [
        {"t-single": float(i % 2), "t-multiple": float(i % 3 == 0), own.key: 1.0} for i in range(60)
    ]
    scored_attempts(test, rows)
    calibration = item_calibration_run()
    params = list(calibration.items.select_related("question"))
    fitted = {p.question.key: p for p in params}
    assert fitted[own.key].responses == 60  # the library question is fitted
    stored = (calibration.junior_cut, calibration.mid_cut, calibration.senior_cut)
    bank_only = [p for p in params if p.question.pool != Pool.PRIVATE]
    assert stored == pytest.approx(_cuts(bank_only))
    # Counted with the bank's, the easy "senior" item would have lowered the senior cut.
    assert _cuts(params)[2] < stored[2] - 0.05


def test_the_exposure_control_is_simulated_over_the_bank_only(db, org, settings, items):
    settings.ASSESS_ADAPTIVE_MAX_EXPOSURE = 0.9
    settings.ASSESS_ADAPTIVE_EXPOSURE_CANDIDATES = 60
    _, own = items
    pool = factories.make_choice_questions(24)
    calibration = item_calibration_run()
    control = ExposureParameters.objects.get(calibration_id=calibration.pk)
    assert str(own.pk) not in control.k
    assert {str(q.pk) for q in pool} <= set(control.k)
    assert ItemParameter.objects.filter(calibration=calibration, question=own).exists()
