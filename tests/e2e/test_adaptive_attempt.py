"""A candidate takes an adaptive section in headless chromium: each question appears after
the previous one is confirmed, a confirmed answer is read-only, the section stops at its
rules, and the reviewer's report shows the calibrated level. Screenshots go to
tests/e2e/artifacts/."""

import pytest
from django.urls import reverse

from assess.hiring.services import section_set_adaptive
from assess.models import Attempt, Membership, Role
from quizzes.models import QuestionVersion
from tests.assess import factories

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "adaptive-flow-2026!"


def test_a_candidate_takes_an_adaptive_section_in_the_browser(
    live_server, page, screenshot, django_user_model
):
    factories.make_choice_questions(18)
    org = factories.make_org()
    assessment = factories.make_assessment(org, [], shuffle=False)
    section = assessment.sections.get()
    section.draw_kind = "single_choice"
    section.save(update_fields=["draw_kind"])
    section_set_adaptive(
        section,
        adaptive=True,
        adaptive_min_items=5,
        adaptive_max_items=8,
        adaptive_target_se=0.3,
        adaptive_exposure=3,
    )
    invitation, token = factories.make_invitation(assessment)

    page.goto(f"{live_server.url}/t/{token}/")
    assert "except in the adaptive part" in page.inner_text("main")
    page.check("#notice-confirm")  # the privacy notice, read
    page.click("button:has-text('Start the test')")
    shown = []
    while True:
        page.wait_for_selector("#answer-form")
        if not page.locator("#confirm-next").count():
            break  # the section is over: the review page
        shown.append(page.locator(".prompt").inner_text().strip())
        assert page.locator("#timer-text").is_visible()
        # Right on every question but the third.
        choice = "Wrong" if len(shown) == 3 else "Right"
        page.check(f"label:has-text('{choice}') input")
        page.wait_for_selector("#save-status:has-text('Saved at')")
        if len(shown) == 2:
            screenshot("adaptive-question")
        page.click("#confirm-next")
        page.wait_for_load_state()
        if "/review/" in page.url:
            break
    assert 5 <= len(shown) <= 8
    assert len(set(shown)) == len(shown)  # never the same question twice

    # Back on the first question: confirmed, read-only.
    page.goto(f"{live_server.url}/t/{token}/q/1/")
    page.wait_for_selector("#confirmed-note")
    assert page.locator("input[name=choice]").first.is_disabled()
    assert not page.locator("#confirm-next").count()
    screenshot("adaptive-confirmed")

    page.click("text=Review & submit")
    page.wait_for_selector("text=You have answered every question.")
    page.click("#submit-test")
    page.wait_for_selector("text=Your test has been submitted")

    attempt = Attempt.objects.get(invitation=invitation)
    record = attempt.adaptive_record
    prompts = [
        QuestionVersion.objects.get(pk=s["version"]).content["prompt"].strip() for s in record
    ]
    assert prompts == shown  # the record lists the questions in the order shown
    assert [s["score"] for s in record] == [1.0, 1.0, 0.0] + [1.0] * (len(shown) - 3)
    assert attempt.status == "submitted" and attempt.answers.count() == len(shown)

    reviewer = django_user_model.objects.create_user("rev", password=PASSWORD)
    Membership.objects.create(user=reviewer, organization=org, role=Role.REVIEWER)
    page.goto(f"{live_server.url}/org/login/")
    page.fill("#id_username", "rev")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.goto(live_server.url + reverse("org:report", args=["acme", attempt.pk]))
    page.wait_for_selector("#how-sure")
    words = page.inner_text("#how-sure")
    assert "Suggested interview level:" in words and "% likely" in words
    assert f"from {len(shown)} scored answers" in words
    assert page.locator("#adaptive-steps tbody tr").count() == len(shown)
    screenshot("adaptive-report")
