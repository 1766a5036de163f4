"""The platform offers only what some live worker can grade (issue 23, item 1): under
`make run` the worker has no torch, so the PyTorch problem is not offered in the builder
(the row says why), an answer to it waits "for a capable worker" on the health panel, and
once a worker with torch announces itself the problem can be added. The editor's label
names the problem's language. In headless chromium at 1280 and 390 px."""

from __future__ import annotations

import textwrap

import pytest

from assess.attempts.services import attempt_start
from assess.models import Membership, Role
from grader import capability
from grader.models import Submission, SubmissionStatus
from quizzes.bankfiles import question_from_yaml, save_question
from quizzes.models import Topic
from tests.assess import factories

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "capable-2026!"
TORCH_PROBLEM = """
    id: t-torch-bn
    kind: coding
    topic: normalization-operation
    level: mid
    problem: bn-forward-cuda
    prompt: Write batch norm's training forward with torch tensor operations.
    explanation: Statistics per channel, then normalize.
"""


def shot(page, name: str) -> None:
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_problem_no_worker_can_grade_is_not_offered_and_its_answers_wait_visibly(
    live_server, browser, django_user_model, announced_worker, embedded_broker
):
    base = live_server.url
    bank = factories.make_bank()
    item = question_from_yaml(textwrap.dedent(TORCH_PROBLEM))
    torch_question, _, _ = save_question(item, Topic.objects.get(slug=item.topic))
    org = factories.make_org("acme")
    user = django_user_model.objects.create_user("ada", password=PASSWORD)
    Membership.objects.create(user=user, organization=org, role=Role.ADMIN)
    assessment = factories.make_assessment(org, [bank["single"]], minutes=120)
    announced_worker("celery@laptop", runtimes=("numpy",))  # `make run`'s worker: no torch

    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/org/login/")
        page.fill("#id_username", "ada")
        page.fill("#id_password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.goto(f"{base}/org/acme/assessments/{assessment.pk}/?kind=coding")
        row = page.locator("tr[data-key='t-torch-bn']")
        assert "Cannot be graded here: it needs a grading worker with PyTorch" in row.inner_text()
        assert row.locator("button").count() == 0  # nothing to click that would break later
        shot(page, f"capability-builder-{width}")
        context.close()

    # An answer that reached the grader anyway (a test sent before the worker changed)
    # waits for a capable worker, and the health panel says so and why.
    factories.make_assessment(org, [torch_question], minutes=120)
    inv, token = factories.make_invitation(
        org.assessments.exclude(pk=assessment.pk).get(), name="Grace Hopper"
    )
    attempt = attempt_start(inv)
    answer = attempt.answers.get()
    Submission.objects.create(
        answer=answer, problem="bn-forward-cuda", source="x = 1", status=SubmissionStatus.QUEUED
    )
    from grader.routing import submissions_enqueue

    submissions_enqueue(list(Submission.objects.values_list("pk", flat=True)))
    assert Submission.objects.get().status == SubmissionStatus.WAITING_GPU

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/org/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.goto(f"{base}/org/acme/review/health/")
    alerts = " ".join(page.locator("[role=alert]").all_inner_texts())
    assert "1 answer to bn-forward-cuda waits for a capable worker" in alerts
    assert "it needs a grading worker with PyTorch" in alerts
    assert "Waiting for a capable worker" in page.locator("#waiting").inner_text()
    shot(page, "capability-health-1280")

    # The candidate's editor names the language of the problem.
    page.goto(f"{base}/t/{token}/q/1/")
    assert page.locator("#code-label").inner_text().startswith("Your code (Python with PyTorch)")

    # A worker with torch announces itself: the problem can be added.
    announced_worker("celery@torch", runtimes=("numpy", "torch"))
    page.goto(f"{base}/org/acme/assessments/{assessment.pk}/?kind=coding")
    row = page.locator("tr[data-key='t-torch-bn']")
    assert "Cannot be graded" not in row.inner_text()
    assert row.locator("button:has-text('Add')").count() == 1
    context.close()
    capability.withdraw("celery@torch", folder=embedded_broker)
