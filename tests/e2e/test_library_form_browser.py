"""The library's question form on a phone, against gunicorn: an author writes a numeric
question (values drawn per candidate, an answer formula) and a written one (a rubric) at
390 px, the preview follows, a wrong field says what is wrong beside it, and both are saved
as drafts the form shows again. Screenshots go to tests/e2e/artifacts/."""

import pytest
import yaml

from assess.library.models import LibraryItem
from assess.models import Membership, Role
from tests.assess import factories
from tests.e2e.library_flow import PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_author_writes_a_numeric_and_a_written_question_with_the_form_on_a_phone(
    gunicorn_server, page, screenshot, django_user_model
):
    base = gunicorn_server()
    factories.make_topics()
    org = factories.make_org("acme")
    user = django_user_model.objects.create_user("ada", password=PASSWORD)
    Membership.objects.create(user=user, organization=org, role=Role.ADMIN)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "ada")

    page.goto(f"{base}/org/acme/library/")
    page.click("a.button:has-text('Numeric')")
    page.fill("#id_slug", "acme-zscore")
    page.fill("#id_prompt", "Mean `{mu}`, standard deviation `{sd}`. Normalize `{x}`.")
    for row, (name, low, high) in enumerate((("x", 1, 5), ("mu", 0, 1), ("sd", 1, 2)), 1):
        page.fill(f"#id_param_{row}_name", name)
        page.fill(f"#id_param_{row}_low", str(low))
        page.fill(f"#id_param_{row}_high", str(high))
        page.fill(f"#id_param_{row}_decimals", "1")
    page.fill("#id_formula", "(x - mu) / sd")
    page.fill("#id_tolerance_abs", "0.005")
    page.fill("#id_explanation", "Subtract the mean, divide by the standard deviation.")
    page.wait_for_selector("#preview:has-text('Normalize')")
    page.wait_for_selector("#live-state:has-text('Preview up to date')")
    # The drawn values are in the candidate's prompt, the answer in the team's card.
    assert "{mu}" not in page.inner_text("#preview")
    screenshot("library-form-numeric-390")
    assert fits_the_phone(page)

    # A whole-number value given a fraction: said beside the field once checked.
    page.select_option("#id_param_1_kind", "integer")
    page.fill("#id_param_1_high", "5.5")
    page.click("button:has-text('Check and preview')")
    page.wait_for_selector("#errors:has-text('x is a whole number')")
    assert "x is a whole number" in page.inner_text("#qf-params")
    page.select_option("#id_param_1_kind", "uniform")
    page.click("button:has-text('Save draft')")
    page.wait_for_selector("#item-status:has-text('Draft')")
    stored = yaml.safe_load(LibraryItem.objects.get(slug="acme-zscore").source)
    assert stored["params"]["x"] == {"uniform": [1.0, 5.5], "decimals": 1}
    assert stored["answer"] == {"formula": "(x - mu) / sd"}
    assert page.input_value("#id_param_1_high") == "5.5"  # the draft, back in the form

    page.goto(f"{base}/org/acme/library/new/?kind=written")
    page.fill("#id_slug", "acme-bias")
    page.fill("#id_prompt", "Why is a convolution's bias redundant before batch norm?")
    page.fill("#id_expected_answer", "The mean subtraction removes any per-channel constant.")
    page.fill("#id_rubric_1_points", "2")
    page.fill("#id_rubric_1_criterion", "Says the mean subtraction cancels a constant.")
    page.fill("#id_rubric_2_points", "1")
    page.fill("#id_rubric_2_criterion", "Names beta as the bias that remains.")
    page.fill("#id_recruiter_signal", "Knows what normalization removes.")
    page.fill("#id_explanation", "A per-channel constant is subtracted with the mean.")
    page.wait_for_selector("#live-preview:has-text('Names beta as the bias')")
    assert fits_the_phone(page)
    screenshot("library-form-written-390")
    page.click("button:has-text('Save draft')")
    page.wait_for_selector("#item-status:has-text('Draft')")
    rubric = yaml.safe_load(LibraryItem.objects.get(slug="acme-bias").source)["rubric"]
    assert [r["points"] for r in rubric] == [2, 1]
