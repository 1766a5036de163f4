"""The hiring team's pages in headless chromium at a laptop's 1280 px: the builder (GPU
needs, rendered Markdown, a refused draw, reordering picks), the code comparison (fits,
differences highlighted), the invitations (Revoke asks, the revoked link says so), and no
request answered 404 (the favicon). Screenshots go to tests/e2e/artifacts/."""

from __future__ import annotations

import textwrap

import pytest

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.models import Membership, Role
from quizzes.bankfiles import question_from_yaml, save_question
from quizzes.models import Topic
from tests.assess import factories

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "hire-ux-2026!"
GPU_ONLY = """
    id: t-gpu-triton
    kind: coding
    topic: alternatives
    level: senior
    problem: bn-relu-triton
    prompt: Write a fused batch norm + ReLU inference kernel in **Triton**.
    explanation: One read, one write.
"""


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.missing = missing
    yield page
    context.close()


def shot(page, name: str) -> None:
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/org/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")


def test_builder_comparison_and_invitations_at_1280_px(live_server, laptop, django_user_model):
    base, page = live_server.url, laptop
    bank = factories.make_bank()
    item = question_from_yaml(textwrap.dedent(GPU_ONLY))
    save_question(item, Topic.objects.get(slug=item.topic))
    org = factories.make_org("acme")
    user = django_user_model.objects.create_user("ada", password=PASSWORD)
    Membership.objects.create(user=user, organization=org, role=Role.ADMIN)
    assessment = factories.make_assessment(
        org, [bank["coding"], bank["single"], bank["written"]], minutes=60
    )
    sign_in(page, base)

    # The builder: GPU needs and rendered prompts in the bank, a refused draw, a reorder.
    page.goto(f"{base}/org/acme/assessments/{assessment.pk}/")
    gpu_row = page.locator("tr[data-key='t-gpu-triton']")
    assert "GPU required" in gpu_row.inner_text()
    assert "GPU grading is off for Acme" in gpu_row.inner_text()
    assert gpu_row.locator("strong:has-text('Triton')").count() == 1
    page.fill("input[name=draw_count]", "50")
    page.select_option("select[name=draw_kind]", "coding")
    page.click("button:has-text('Set draw')")
    page.wait_for_selector(".messages li.error:has-text('50 cannot be drawn')")
    page.click("button[aria-label='Move t-written up']")
    page.wait_for_selector("#summary")
    picks = page.locator("ol.picks li").all_inner_texts()
    assert [p.split()[0] for p in picks] == ["t-coding", "t-written", "t-single"]
    assert fits(page)
    shot(page, "ux-builder")

    # Two candidates' code side by side: it fits and the changed lines are highlighted.
    answers = []
    for name, code in (
        ("Ada Lovelace", factories.GOOD_LAYERNORM),
        ("Copy Cat", factories.GOOD_LAYERNORM.replace("var", "variance")),
    ):
        inv, _ = factories.make_invitation(assessment, name=name)
        attempt = attempt_start(inv)
        coding = attempt.answers.get(question_version__question__key="t-coding")
        answer_save(attempt, coding.position, code, 0)
        attempt_submit(attempt)
        answers.append(coding.pk)
    page.goto(
        f"{base}/org/acme/review/assessments/{assessment.pk}/compare/?a={answers[0]}&b={answers[1]}"
    )
    assert page.locator("#diff tr.changed").count() >= 1
    assert page.locator("#diff tr.same").count() >= 1
    assert fits(page)
    shot(page, "ux-compare")

    # Revoke asks first; the revoked link tells the candidate it was revoked.
    inv, token = factories.make_invitation(assessment, name="Grace Hopper")
    page.goto(f"{base}/org/acme/assessments/{assessment.pk}/invitations/")
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.click("tr:has-text('Grace Hopper') button:has-text('Revoke')")
    assert "Revoke the link of Grace Hopper?" in questions[0]
    inv.refresh_from_db()
    assert inv.revoked_at is None  # dismissed: nothing happened
    page.once("dialog", lambda d: answer(d, True))
    page.click("tr:has-text('Grace Hopper') button:has-text('Revoke')")
    page.wait_for_selector(".messages li:has-text('no longer works')")
    assert "Revoked" in page.locator("tr:has-text('Grace Hopper')").inner_text()
    assert fits(page)
    shot(page, "ux-invitations")
    page.goto(f"{base}/t/{token}/")
    assert "revoked" in page.inner_text("main") and "expired" not in page.inner_text("main")
    shot(page, "ux-revoked-link")
    assert page.missing == []  # the favicon and every other request were found


def test_recruiter_works_the_candidate_list_across_assessments(
    live_server, laptop, django_user_model
):
    base, page = live_server.url, laptop
    bank = factories.make_bank("single", "written")
    org = factories.make_org("acme")
    user = django_user_model.objects.create_user("ada", password=PASSWORD)
    Membership.objects.create(user=user, organization=org, role=Role.RECRUITER)
    screen = factories.make_assessment(org, [bank["single"]], minutes=10)
    essay = factories.make_assessment(org, [bank["written"]], minutes=10)
    essay.title = "Written screen"
    essay.save()
    for name, assessment, submit in (
        ("Gail Graded", screen, True),
        ("Gus Graded", screen, True),
        ("Ivy Invited", screen, False),
        ("Sue Submitted", essay, True),
    ):
        inv, _ = factories.make_invitation(assessment, name=name)
        if submit:
            attempt = attempt_start(inv)
            answer_save(attempt, 0, 0 if assessment == screen else "Noisy statistics.", 0)
            attempt_submit(attempt)
    sign_in(page, base)

    page.click("nav >> text=Candidates")
    page.wait_for_selector("#candidates")
    assert "4 candidates" in page.inner_text("#candidate-count")
    assert "Graded 2" in page.inner_text("#stages")
    shot(page, "ux-candidates-all")
    page.click("#stages >> text=Graded")
    page.wait_for_selector("#candidate-count:has-text('2 candidates')")
    page.check("#tick-all")  # ticks both shown
    page.select_option("#bulk-action", "advance")
    page.click("button:has-text('Apply to ticked')")
    page.wait_for_selector(".messages li:has-text('2 candidates advanced.')")
    assert "No candidate matches." in page.inner_text("#candidates")  # none graded any more
    page.click("#stages >> text=Advanced")
    page.wait_for_selector("#candidate-count:has-text('2 candidates')")
    page.goto(f"{base}/org/acme/candidates/?q=ivy")
    assert page.locator("#candidates tbody tr").count() == 1
    page.check("tr:has-text('Ivy Invited') input[name=selected]")
    page.select_option("#bulk-action", "remind")
    page.click("button:has-text('Apply to ticked')")
    page.wait_for_selector(".messages li:has-text('1 candidate reminded.')")
    assert fits(page)
    shot(page, "ux-candidates-reminded")
    page.goto(f"{base}/org/acme/candidates/?q=graded")
    page.check("#tick-all")
    page.select_option("#bulk-action", "compare")
    page.click("button:has-text('Apply to ticked')")
    page.wait_for_selector("#comparison")
    assert "Gail Graded" in page.inner_text("#comparison thead")
    assert "Gus Graded" in page.inner_text("#comparison thead")
    assert page.locator("#comparison tr.topic-row").count() == 1
    shot(page, "ux-candidates-compare")
    assert page.missing == []


def test_recruiter_reads_the_summary_prints_and_shares_the_report(
    live_server, browser, laptop, django_user_model
):
    base, page = live_server.url, laptop
    bank = factories.make_bank("single", "numeric")
    org = factories.make_org("acme")
    user = django_user_model.objects.create_user("ada", password=PASSWORD)
    Membership.objects.create(user=user, organization=org, role=Role.RECRUITER)
    assessment = factories.make_assessment(org, [bank["single"], bank["numeric"]], minutes=10)
    inv, _ = factories.make_invitation(assessment, name="Grace Hopper")
    attempt = attempt_start(inv)
    answer_save(attempt, 0, 0, 0)  # the choice right, the number left empty
    attempt_submit(attempt)
    sign_in(page, base)

    page.goto(f"{base}/org/acme/attempts/{attempt.pk}/report/")
    minute = page.inner_text("#in-a-minute")
    assert "Scored 50%, and did not meet the pass mark of 60%" in minute
    assert "{x1}" not in page.inner_text("main")  # the numbers Grace was given
    assert fits(page)
    shot(page, "ux-report")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator(".report-actions").is_visible()
    shot(page, "ux-report-print")
    page.emulate_media(media="screen")

    page.click("button:has-text('Share a read-only link')")
    link = page.inner_text("#share-link code").strip()
    manager = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    manager.goto(link)
    assert "Grace Hopper" in manager.inner_text("main")
    assert "read-only copy" in manager.inner_text("#shared-note")
    assert manager.locator("nav >> text=Candidates").count() == 0
    shot(manager, "ux-report-shared")
    manager.context.close()


def test_reviewer_scores_the_queue_with_the_keyboard(live_server, laptop, django_user_model):
    base, page = live_server.url, laptop
    bank = factories.make_bank("written")
    org = factories.make_org("acme")
    user = django_user_model.objects.create_user("ada", password=PASSWORD)
    Membership.objects.create(user=user, organization=org, role=Role.REVIEWER)
    assessment = factories.make_assessment(org, [bank["written"]], minutes=10)
    for name, text in (("Ann One", "Two samples give noisy statistics."), ("Ben Two", "Unsure.")):
        inv, _ = factories.make_invitation(assessment, name=name)
        attempt = attempt_start(inv)
        answer_save(attempt, 0, text, 0)
        attempt_submit(attempt)
    sign_in(page, base)

    page.click("nav >> text=To score")
    page.wait_for_selector("#queue-answer:has-text('Ann One')")
    assert "2 waiting" in page.inner_text("#waiting-count")
    page.keyboard.press("1")
    page.keyboard.press("2")
    assert page.locator("form.rubric input[type=checkbox]:checked").count() == 2
    shot(page, "ux-queue")
    page.keyboard.press("Enter")
    page.wait_for_selector("#queue-answer:has-text('Ben Two')")
    assert "1 waiting" in page.inner_text("#waiting-count")
    page.fill("#q_note", "1 2")  # typing in the note ticks nothing
    assert page.locator("form.rubric input[type=checkbox]:checked").count() == 0
    page.click("button:has-text('Save and next')")
    page.wait_for_selector("#queue-empty")
    assert fits(page)
    assert page.missing == []


def test_recruiter_sets_points_in_the_builder_and_reads_them_in_the_report(
    live_server, laptop, django_user_model
):
    base, page = live_server.url, laptop
    bank = factories.make_bank("single", "multiple", "numeric", "coding")
    item = question_from_yaml(textwrap.dedent(GPU_ONLY))
    save_question(item, Topic.objects.get(slug=item.topic))
    org = factories.make_org("acme")
    user = django_user_model.objects.create_user("ada", password=PASSWORD)
    Membership.objects.create(user=user, organization=org, role=Role.RECRUITER)
    assessment = factories.make_assessment(org, [bank["single"], bank["multiple"]], minutes=10)
    sign_in(page, base)

    # The builder: numeric prompts with example values, the GPU filter, points per pick.
    page.goto(f"{base}/org/acme/assessments/{assessment.pk}/")
    numeric_row = page.locator("tr[data-key='t-numeric']").inner_text()
    assert "{x1}" not in numeric_row and "example values" in numeric_row
    assert page.inner_text("#summary-points").strip() == "2"
    shot(page, "ux-builder-bank")
    page.fill("#id_q", "")
    page.select_option("#id_gpu", "gpu")
    page.click("button:has-text('Filter')")
    page.wait_for_selector("#bank-count:has-text('1 question')")
    assert page.locator("#bank-table tbody tr").all_inner_texts()[0].count("t-gpu-triton") == 1
    page.fill("li[data-key='t-single'] input[name=points]", "3")
    page.click("button[aria-label='Set the points of t-single']")
    page.wait_for_selector("#summary-points:has-text('4')")
    assert page.input_value("li[data-key='t-single'] input[name=points]") == "3"
    assert page.input_value("#id_gpu") == "gpu"  # the bank's filters survive the change
    assert fits(page)
    shot(page, "ux-builder-points")

    # A candidate right on the 3-point question, wrong on the 1-point one: 75%.
    inv, _ = factories.make_invitation(assessment, name="Grace Hopper")
    attempt = attempt_start(inv)
    answer_save(attempt, 0, 0, 0)
    answer_save(attempt, 1, [2, 3], 0)
    attempt_submit(attempt)
    page.goto(f"{base}/org/acme/attempts/{attempt.pk}/report/")
    assert page.inner_text("#total").strip() == "75%"
    points = page.locator("td.points").all_inner_texts()
    assert [p.strip() for p in points] == ["3 / 3", "0 / 1"]
    how_sure = page.inner_text("#how-sure")
    assert "from only 2 scored answers: too few to be sure" in how_sure
    assert "not yet calibrated" in how_sure
    assert page.locator("text=Scored 75%, and met the pass mark").count() == 1  # once
    assert fits(page)
    shot(page, "ux-report-points")
    assert page.missing == []
