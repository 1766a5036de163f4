"""An organization's own question, end to end in chromium: its admin writes it in the
library, previews it as the candidate will see it, saves and publishes it; a recruiter
finds it in the builder with the library filter and adds it to a test; a candidate answers
it and it is scored; once the item statistics ran, the author reads them. Screenshots at 1280 and 390 px go to tests/e2e/artifacts/."""

from io import StringIO

import pytest
from django.core.management import call_command

from assess.library.models import LibraryItem
from assess.models import Attempt, Membership, Role
from tests.assess import factories
from tests.assess.library_support import SINGLE
from tests.e2e.library_flow import (
    PASSWORD,
    artifact,
    candidate_starts,
    recruiter_invites_with,
    sign_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_author_writes_previews_publishes_recruiter_adds_candidate_answers(
    gunicorn_server, browser, page, screenshot, django_user_model
):
    base = gunicorn_server()
    factories.make_bank("single")
    org = factories.make_org("acme")
    for name, role in (("ada", Role.ADMIN), ("rita", Role.RECRUITER)):
        user = django_user_model.objects.create_user(name, password=PASSWORD)
        Membership.objects.create(user=user, organization=org, role=role)

    # The admin writes the question, previews it and publishes it.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, "ada")
    page.click("nav >> text=Library")
    page.click("text=Multiple choice (one answer)")
    # The form. The preview follows the typing: an invalid draft shows its errors, a valid
    # one the candidate's view, with no click and nothing saved.
    page.fill("#id_slug", "acme-eps")
    page.fill("#id_prompt", "What does the epsilon in batch norm's denominator guard against?")
    page.fill("#id_choice_1_text", "A division by zero when a channel's variance is zero.")
    page.check("#id_choice_1_correct")
    page.fill("#id_choice_2_text", "Running statistics that follow the batch too slowly.")
    page.check("#id_choice_2_correct")
    page.wait_for_selector("#errors:has-text('exactly one correct choice')")
    page.uncheck("#id_choice_2_correct")
    page.fill("#id_choice_3_text", "An output scale that drifts during fine-tuning.")
    page.fill("#id_explanation", "Epsilon keeps the division defined for a constant channel.")
    page.wait_for_selector("#preview:has-text('An output scale that drifts')")
    page.wait_for_selector("#live-state:has-text('Preview up to date')")
    assert not page.query_selector("#errors")
    assert "/library/new/" in page.url  # still the new question's page: nothing saved
    screenshot("library-form-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("library-form-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    # The same question as YAML, carried over; the YAML's preview follows the typing too.
    page.click("button:has-text('Edit as YAML')")
    page.wait_for_selector("#id_source")
    assert "id: acme-eps" in page.input_value("#id_source")
    page.fill("#id_source", SINGLE)
    page.wait_for_selector("#live-preview:has-text('Epsilon is added to the variance')")
    page.wait_for_selector("#live-state:has-text('Preview up to date')")
    page.click("button:has-text('Check and preview')")
    page.wait_for_selector("#preview:has-text('A division by zero')")
    assert "As the candidate sees it" in page.inner_text("#preview")
    page.click("button:has-text('Save draft')")
    page.wait_for_selector("#item-status:has-text('Draft')")
    page.click("button:has-text('Publish')")
    page.wait_for_selector("#item-status:has-text('Published')")
    assert "Candidates get version 1." in page.inner_text("main")
    screenshot("library-item-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("library-item-390")
    # Nothing on the page is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("text=← The library")
    screenshot("library-list-390")
    # Topics of the organization's own, on a phone.
    page.click("text=Our topics")
    page.fill("#id_slug", "our-serving-stack")
    page.fill("#id_title", "Our serving stack")
    page.click("button:has-text('Add the topic')")
    page.wait_for_selector("h2:has-text('our-serving-stack')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("library-topics-390")
    page.click("text=Back to the library")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("library-list-1280")

    # A recruiter adds it to a new test, filtering the builder to the library.
    key = f"org{org.pk}-acme-eps"
    link = recruiter_invites_with(browser, base, key, "Our own screen")

    # The candidate answers it; it is scored at submission.
    candidate = candidate_starts(browser, link, 390)
    candidate.check("label:has-text('A division by zero') input")
    candidate.wait_for_selector("#save-status:has-text('Saved at')")
    candidate.screenshot(path=str(artifact("library-candidate-390")), full_page=True)
    candidate.goto(f"{link}review/")
    candidate.click("#submit-test")
    candidate.wait_for_selector("text=Your test has been submitted")
    candidate.context.close()
    attempt = Attempt.objects.get(invitation__candidate_email="grace@example.com")
    answer = attempt.answers.get()
    assert answer.question_version.question.key == key and answer.score == 1.0

    # The nightly item statistics run; the author reads the question's own figures.
    call_command("itemstats", stdout=StringIO())
    item = LibraryItem.objects.get(organization=org)
    page.goto(f"{base}/org/{org.slug}/library/{item.pk}/")
    page.wait_for_selector("#statistics table")
    rows = page.inner_text("#statistics tbody").splitlines()
    # Over every attempt and over this test: version 1, one response, answered right.
    assert sorted(rows) == [
        f"assessment {attempt.invitation.assessment_id}\tv1\t1\t1.00\t–\t–",
        "every attempt\tv1\t1\t1.00\t–\t–",
    ]
