"""A candidate takes a timed test in headless chromium while a real worker grades: opens
the invitation, answers MCQs, writes code in the editor, runs the sample tests, submits,
and sees the end page. Screenshots go to tests/e2e/artifacts/."""

import re

import pytest

from assess.models import Attempt
from tests.assess import factories

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_candidate_takes_a_test_in_the_browser(live_server, page, screenshot, pipeline):
    bank = factories.make_bank("single", "multiple", "coding")
    assessment = factories.make_assessment(
        factories.make_org(), [bank["coding"], bank["multiple"], bank["single"]]
    )
    invitation, token = factories.make_invitation(assessment)
    pipeline()  # a real Celery worker on Redis grades the sample run and the final answer

    page.goto(f"{live_server.url}/t/{token}/")
    assert page.locator("h1").inner_text() == "Normalization screen"
    screenshot("candidate-instructions")
    page.check("#notice-confirm")  # the privacy notice, read
    page.click("button:has-text('Start the test')")

    # Question 1 (picks keep the recruiter's order): the coding problem, in the Ace editor.
    page.wait_for_selector(".ace_editor")
    assert re.fullmatch(r"\d+:\d\d", page.locator("#timer-text").inner_text())
    assert "def layernorm_forward" in page.locator(".ace_content").inner_text()  # the starter code
    page.click("#editor")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(factories.GOOD_LAYERNORM)
    assert (
        page.evaluate("ace.edit('editor').getValue()").strip() == factories.GOOD_LAYERNORM.strip()
    )
    page.wait_for_selector("#save-status:has-text('Saved at')")
    page.click("#run-samples")
    report = page.locator(".run-report")
    report.wait_for(timeout=60_000)
    assert "all passed" in report.inner_text()
    assert page.locator(".report-rows tbody tr").count() >= 1
    screenshot("candidate-coding-sample-tests")

    # Question 2: several answers.
    page.click("text=Next →")
    page.wait_for_selector("text=select all that apply")
    page.check("label:has-text('The running mean') input")
    page.check("label:has-text('The running variance') input")
    page.wait_for_selector("#save-status:has-text('Saved at')")
    assert "answered" in page.locator("#question-nav a[data-position='1']").get_attribute(
        "aria-label"
    )

    # Question 3: one answer, chosen with the keyboard.
    page.click("text=Next →")
    page.wait_for_selector("input[type=radio]")
    page.focus("label:has-text('dividing by zero') input")
    page.keyboard.press("Space")
    page.wait_for_selector("#save-status:has-text('Saved at')")
    screenshot("candidate-mcq")

    page.click("text=Review & submit")
    page.wait_for_selector("text=You have answered every question.")
    page.click("#submit-test")
    page.wait_for_selector("text=Your test has been submitted")
    page.wait_for_selector("text=Your code has been graded.", timeout=60_000)
    screenshot("candidate-end-page")

    attempt = Attempt.objects.get(invitation=invitation)
    assert (attempt.status, attempt.score_percent, attempt.passed) == ("submitted", 100.0, True)
