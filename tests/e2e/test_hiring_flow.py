"""The whole hiring flow in headless chromium with a real grading worker: a recruiter
builds an assessment from the bank and invites a candidate, the candidate takes it, the
worker grades the code, a reviewer scores the written answer by its rubric, and the
recruiter reads the final report. Screenshots of the builder, the dashboard, the review
and the report go to tests/e2e/artifacts/."""

import re

import pytest

from assess.models import Attempt, Membership, Role
from tests.assess import factories

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "hire-flow-2026!"


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/org/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")


def answer_current_question(page) -> str:
    kind = page.get_attribute("#answer-form", "data-kind")
    if kind == "single_choice":
        page.check("label:has-text('dividing by zero') input")
    elif kind == "written":
        page.fill(
            "#written",
            "With two samples the batch statistics are very noisy, so the running "
            "estimates drift; freeze the statistics or switch to GroupNorm.",
        )
    elif kind == "coding":
        page.wait_for_selector(".ace_editor")
        page.evaluate("code => ace.edit('editor').setValue(code, 1)", factories.GOOD_LAYERNORM)
    page.wait_for_selector("#save-status:has-text('Saved at')")
    return kind


def test_recruiter_builds_invites_candidate_takes_worker_grades_reviewer_scores_recruiter_reads(
    live_server,
    browser,
    page,
    screenshot,
    pipeline,
    django_user_model,
):
    base = live_server.url
    bank = factories.make_bank("single", "multiple", "written", "coding")
    org = factories.make_org("acme")
    for name, role in (("rita", Role.RECRUITER), ("victor", Role.REVIEWER)):
        user = django_user_model.objects.create_user(name, password=PASSWORD)
        Membership.objects.create(user=user, organization=org, role=role)
    pipeline()

    # The recruiter builds the assessment.
    sign_in(page, base, "rita")
    page.click("text=New assessment")
    page.fill("#id_title", "Batch norm screen")
    page.fill("#id_time_limit_minutes", "30")
    page.fill("#id_pass_mark", "60")
    page.click("button:has-text('Create and add questions')")
    page.wait_for_selector("#bank")
    page.select_option("#id_kind", "coding")
    page.click("button:has-text('Filter')")
    # The filtered page must have loaded before its rows are counted (count() does not wait).
    page.wait_for_url(re.compile(r"kind=coding"))
    page.wait_for_load_state("load")
    page.wait_for_selector("tr[data-key='t-coding']")
    assert page.locator("#bank tbody tr").count() == 1
    page.click("tr[data-key='t-coding'] button")
    page.wait_for_selector("#summary-length:has-text('1 (1 picked')")
    page.select_option("#id_kind", "")
    page.click("button:has-text('Filter')")
    for key in ("t-single", "t-written"):
        page.click(f"tr[data-key='{key}'] button")
        page.wait_for_selector(f"tr[data-key='{key}'] .pill:has-text('added')")
    assert "3 (3 picked, 0 drawn at random)" in page.inner_text("#summary-length")
    page.click("tr[data-key='t-multiple'] a")  # preview as the candidate sees it
    page.wait_for_selector("#preview:has-text('select all that apply')")
    page.go_back()
    page.wait_for_selector("#bank")
    screenshot("recruiter-builder")

    # ... and invites a candidate; the link is shown once (and emailed).
    page.click("text=Invite candidates")
    page.fill("#id_candidate_name", "Grace Hopper")
    page.fill("#id_candidate_email", "grace@example.com")
    page.click("#invite-one button[type=submit]")
    link = page.inner_text("#new-link code").strip()
    assert re.fullmatch(rf"{re.escape(base)}/t/[\w-]+/", link)
    screenshot("recruiter-invitations")

    # The candidate takes the test in their own browser.
    candidate = browser.new_context(viewport={"width": 1366, "height": 800}).new_page()
    candidate.goto(link)
    candidate.check("#notice-confirm")  # the privacy notice, read
    candidate.click("button:has-text('Start the test')")
    kinds = set()
    for number in (1, 2, 3):
        candidate.goto(f"{link}q/{number}/")
        kinds.add(answer_current_question(candidate))
    assert kinds == {"single_choice", "written", "coding"}
    candidate.goto(f"{link}review/")
    candidate.wait_for_selector("text=You have answered every question.")
    candidate.click("#submit-test")
    candidate.wait_for_selector("text=Your test has been submitted")
    candidate.wait_for_selector("text=Your code has been graded.", timeout=90_000)
    candidate.context.close()

    # The reviewer sees the attempt waiting, the graded code, and scores the written answer.
    reviewer = browser.new_context(viewport={"width": 1366, "height": 800}).new_page()
    sign_in(reviewer, base, "victor")
    reviewer.wait_for_selector("#attempts:has-text('Grace Hopper')")
    assert "waiting for scores" in reviewer.inner_text("#attempts")
    reviewer.screenshot(path=str(_artifact("review-dashboard")), full_page=True)
    reviewer.click("#attempts a:has-text('Review')")
    reviewer.wait_for_selector(".answer .ace_editor")  # the code, highlighted read-only
    assert "Accepted" in reviewer.inner_text("body")
    # Moving between questions is not leaving the tab: no false signal.
    assert "Left the test's tab\n0 times" in reviewer.inner_text("#signals")
    written = reviewer.locator(".answer:has(form.rubric)")
    written.locator("label:has-text('Names the noise') input").check()
    written.locator("label:has-text('freezing the statistics') input").check()
    written.locator("button:has-text('Save score')").click()
    reviewer.wait_for_selector("text=scored 3 / 3")
    assert "by victor at" in reviewer.inner_text("body")
    reviewer.screenshot(path=str(_artifact("review-attempt")), full_page=True)
    reviewer.context.close()

    # The recruiter reads the final report.
    attempt = Attempt.objects.get(invitation__candidate_email="grace@example.com")
    page.goto(f"{base}/org/acme/attempts/{attempt.pk}/report/")
    assert page.inner_text("#total").strip() == "100%"
    assert "Passed" in page.inner_text("#verdict")
    assert "Suggested interview level: senior" in page.inner_text("#how-sure")
    page.wait_for_function("document.getElementById('topic-chart').width > 0")
    screenshot("recruiter-report")
    attempt.refresh_from_db()
    assert (attempt.score_percent, attempt.passed) == (100.0, True)
    assert bank["multiple"].pk not in [
        a.question_version.question_id for a in attempt.answers.all()
    ]


def _artifact(name: str):
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
