"""An admin reads the Sympson-Hetter exposure parameters of a calibration in a real
browser: read-only, the cap, the simulated maximum and the k per question."""

import pytest
from django.urls import reverse

from assess.calibration.services import item_calibration_run
from quizzes.models import ExposureParameters
from tests.assess import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_admin_reads_the_exposure_parameters_of_a_calibration(
    live_server, page, screenshot, django_user_model, settings
):
    settings.ASSESS_ADAPTIVE_MAX_EXPOSURE = 0.9  # what 24 questions can meet (about 19.5 each)
    settings.ASSESS_ADAPTIVE_EXPOSURE_CANDIDATES = 60
    factories.make_choice_questions(24)
    item_calibration_run()
    control = ExposureParameters.objects.get()
    django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-2026")

    page.goto(live_server.url + reverse("admin:quizzes_exposureparameters_changelist"))
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", "pw-root-2026")
    page.click("input[type=submit]")
    row = page.locator("#result_list tbody tr").first
    row.wait_for()
    assert f"calibration v{control.calibration_id} (r_max 0.9)" in row.inner_text()
    # Computed with a calibration, never by hand: no "Add" button over the list.
    assert not page.locator(".object-tools a.addlink").count()
    screenshot("exposure-parameters-list")

    row.locator("a").first.click()
    page.wait_for_selector("text=Simulated max exposure")
    text = page.inner_text("#content")
    assert "Converged" in text and f"{control.simulated_max_exposure}" in text
    assert not page.locator("input[name=_save]").count()  # read-only
    screenshot("exposure-parameters-change")
