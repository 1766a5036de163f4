"""An organization's own coding problem, end to end in chromium with a real grading worker:
the admin writes it from a NumPy reference; tests too weak to tell the reference from its
mutants are refused with the survivors named; with a strong case added it is built and
published; a recruiter adds it to a test; a candidate submits a wrong solution; the worker
grades it in the sandbox and the review names the mutant it matches."""

import pytest

from assess.library import coding
from assess.models import Attempt, Membership, Role
from tests.assess import factories
from tests.e2e.library_flow import PASSWORD, candidate_starts, recruiter_invites_with, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

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
    gunicorn_server, browser, page, screenshot, pipeline, django_user_model
):
    # The web app as production runs it, queueing builds and grading on the worker's queue.
    base = gunicorn_server(GRADER_CPU_QUEUE=pipeline.queue)
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
    link = recruiter_invites_with(browser, base, f"org{org.pk}-acme-layer-norm", "Our layer norm")

    # The candidate sees the statement and starter, never the reference, and submits.
    candidate = candidate_starts(browser, link, 1366)
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
