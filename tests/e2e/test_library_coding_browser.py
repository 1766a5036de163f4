"""An organization's own coding problem, end to end in chromium with a real grading worker:
the admin writes it from a NumPy reference; tests too weak to tell the reference from its
mutants are refused with the survivors named; with a strong case added it is built and
published; a recruiter adds it to a test; a candidate submits a wrong solution; the worker
grades it in the sandbox and the review names the mutant it matches."""

import re

import pytest

from assess.library import coding
from assess.models import Attempt, Membership, Role
from tests.assess import factories

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "library-coding-2026!"
STRONG = coding.STARTER.replace("id: my-question", "id: acme-layer-norm")
# Without the constant row and the large eps, nothing tells where eps goes.
WEAK = STRONG.split("    - name: a constant row and a large eps")[0]
# The candidate divides by n - 1.
UNBIASED = """import numpy as np


def layer_norm(x, gamma, beta, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True, ddof=1)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta
"""


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/org/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state("load")


def check_until_built(page, source: str) -> None:
    """Press Check and preview until the sandbox's build is in (the worker runs it)."""
    page.fill("#id_source", source)
    for _ in range(60):
        page.click("button:has-text('Check and preview')")
        page.wait_for_load_state("load")
        if "running in the sandbox" not in page.inner_text("main"):
            return
        page.wait_for_timeout(1500)
    raise AssertionError("the build did not finish")


def test_author_writes_a_coding_problem_from_a_reference_and_a_candidate_is_diagnosed(
    live_server, browser, page, screenshot, pipeline, django_user_model
):
    base = live_server.url
    factories.make_topics()
    org = factories.make_org("acme")
    for name, role in (("ada", Role.ADMIN), ("rita", Role.RECRUITER)):
        user = django_user_model.objects.create_user(name, password=PASSWORD)
        Membership.objects.create(user=user, organization=org, role=role)
    pipeline()

    # Weak tests: saved as a draft, the survivors shown, publishing refused.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, "ada")
    page.goto(f"{base}/org/acme/library/new/?kind=coding")
    check_until_built(page, WEAK)
    advice = page.inner_text("#advice")
    assert "Publishing is refused" in advice and "eps" in advice
    page.click("button:has-text('Save draft')")
    page.wait_for_selector("#item-status:has-text('Draft')")
    page.click("button:has-text('Publish')")
    page.wait_for_load_state("load")
    refused = page.inner_text("main")
    assert "eps" in refused and "no hidden case tells it apart" in refused
    assert "Draft" in page.inner_text("#item-status")
    screenshot("library-coding-weak-1280")

    # A strong case added: built, previewed as the candidate sees it, published.
    check_until_built(page, STRONG)
    assert "Publishing is refused" not in page.inner_text("main")
    assert "layer_norm(x, gamma, beta, eps)" in page.inner_text("#preview")
    page.click("button:has-text('Save draft')")
    page.wait_for_selector("#item-status:has-text('Draft')")
    page.click("button:has-text('Publish')")
    page.wait_for_selector("#item-status:has-text('Published')")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("library-coding-published-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The recruiter adds it to a test and invites a candidate.
    recruiter = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(recruiter, base, "rita")
    recruiter.click("text=New assessment")
    recruiter.fill("#id_title", "Our layer norm")
    recruiter.fill("#id_time_limit_minutes", "30")
    recruiter.fill("#id_pass_mark", "50")
    recruiter.click("button:has-text('Create and add questions')")
    recruiter.wait_for_selector("#bank")
    recruiter.select_option("#id_source", "library")
    recruiter.click("button:has-text('Filter')")
    recruiter.wait_for_url(re.compile(r"source=library"))
    key = f"org{org.pk}-acme-layer-norm"
    recruiter.wait_for_selector(f"tr[data-key='{key}']")
    recruiter.click(f"tr[data-key='{key}'] button")
    recruiter.wait_for_selector("#summary-length:has-text('1 (1 picked')")
    recruiter.click("text=Invite candidates")
    recruiter.fill("#id_candidate_name", "Grace Hopper")
    recruiter.fill("#id_candidate_email", "grace@example.com")
    recruiter.click("#invite-one button[type=submit]")
    link = recruiter.inner_text("#new-link code").strip()
    recruiter.context.close()

    # The candidate sees the statement and starter, never the reference, and submits.
    candidate = browser.new_context(viewport={"width": 1366, "height": 800}).new_page()
    candidate.goto(link)
    candidate.check("#notice-confirm")
    candidate.click("button:has-text('Start the test')")
    candidate.goto(f"{link}q/1/")
    candidate.wait_for_selector(".ace_editor")
    assert "np.var(x, axis=-1, keepdims=True)" not in candidate.content()
    candidate.evaluate("code => ace.edit('editor').setValue(code, 1)", UNBIASED)
    candidate.wait_for_selector("#save-status:has-text('Saved at')")
    candidate.goto(f"{link}review/")
    candidate.click("#submit-test")
    candidate.wait_for_selector("text=Your code has been graded.", timeout=120_000)
    candidate.context.close()

    # The review names the mutant the wrong answer matches.
    attempt = Attempt.objects.get(invitation__candidate_email="grace@example.com")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/org/acme/review/attempts/{attempt.pk}/")
    body = page.inner_text("main")
    assert "Diagnosis:" in body and "ddof=1" in body, body[:3000]
    screenshot("library-coding-review-1280")
