"""What a newcomer hit (issue 23, items 3, 4, 5 and 7), each as a person sees it: headless
chromium against gunicorn (the production server, DJANGO_DEBUG=0, no mail server, so email
goes nowhere as under `make run`), layout measured with bounding boxes at 1280 and 390 px.
Screenshots go to tests/e2e/artifacts/newcomer-*.png."""

from __future__ import annotations

import re
import textwrap

import pytest
from django.utils import timezone

from assess.attempts.models import Attempt
from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.hiring.models import Section
from assess.hiring.services import section_set_picks
from assess.models import Membership, Role
from grader.models import Submission, SubmissionStatus
from quizzes.bankfiles import question_from_yaml, save_question
from quizzes.models import Pool, Question, Topic
from tests.assess import factories

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "newcomer-2026!"
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def open_page(browser):
    contexts = []

    def open_(viewport=LAPTOP, **options):
        context = browser.new_context(viewport=viewport, device_scale_factor=1, **options)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"newcomer-{name}.png"), full_page=True)


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + min(box["height"], 40) <= size["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= size["width"] + 1
    )


def sign_in(page, base: str, username: str = "ada") -> None:
    page.goto(f"{base}/org/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/org/"))


@pytest.fixture
def recruiter_org(django_user_model):
    org = factories.make_org("acme")
    user = django_user_model.objects.create_user("ada", password=PASSWORD)
    Membership.objects.create(user=user, organization=org, role=Role.ADMIN)
    return org


# --- Item 3: a link to hand over when no email goes out -------------------------------------


def test_a_recruiter_copies_the_link_and_makes_a_new_one_to_copy(
    gunicorn_server, open_page, recruiter_org
):
    base = gunicorn_server()
    bank = factories.make_bank("single")
    assessment = factories.make_assessment(recruiter_org, [bank["single"]])
    page = open_page(permissions=["clipboard-read", "clipboard-write"])
    sign_in(page, base)
    page.goto(f"{base}/org/acme/assessments/{assessment.pk}/invitations/")
    page.fill("#id_candidate_name", "Grace Hopper")
    page.fill("#id_candidate_email", "grace@example.com")
    assert "This server sends no email" in page.inner_text("#no-email")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("button:has-text('Create the invitation')")
    # The link is a credential: shown in this answer only, never cached.
    assert answer.value.headers.get("cache-control") == "no-store"
    card = page.locator("#new-link")
    assert "This server sends no email" in card.inner_text()
    link = page.inner_text("#new-link-url").strip()
    assert re.fullmatch(rf"{re.escape(base)}/t/[\w-]{{40,}}/", link)
    page.click("#new-link button:has-text('Copy link')")
    page.wait_for_function("document.getElementById('new-link-copied').textContent.length > 0")
    assert page.inner_text("#new-link-copied") == "Copied."
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert link not in page.url
    shot(page, "invitation-link-1280")

    # Re-opened later: the link is not shown again (only its hash is kept); "New link" makes
    # one to copy, and the old one stops working.
    page.goto(f"{base}/org/acme/assessments/{assessment.pk}/invitations/")
    assert page.locator("#new-link").count() == 0
    assert link not in page.content()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[aria-label='New link for Grace Hopper, to copy']")
    page.wait_for_selector("#new-link")
    second = page.inner_text("#new-link-url").strip()
    assert second != link and "it was not emailed" not in page.inner_text("#new-link")
    candidate = open_page()
    candidate.goto(link)
    assert candidate.locator("button:has-text('Start the test')").count() == 0
    candidate.goto(second)
    assert candidate.locator("button:has-text('Start the test')").count() == 1

    phone = open_page(PHONE)
    sign_in(phone, base)
    phone.goto(f"{base}/org/acme/assessments/{assessment.pk}/invitations/")
    phone.click("button[aria-label='New link for Grace Hopper, to copy']")
    phone.wait_for_selector("#new-link")
    assert page_width(phone) <= 390
    assert (
        in_viewport(phone, "#new-link button:has-text('Copy link')")
        or phone.locator("#new-link button:has-text('Copy link')").is_visible()
    )
    shot(phone, "invitation-link-390")


def test_an_empty_assessment_says_so_once_and_offers_no_form(
    gunicorn_server, open_page, recruiter_org
):
    base = gunicorn_server()
    assessment = factories.make_assessment(recruiter_org, [])
    page = open_page()
    sign_in(page, base)
    page.goto(f"{base}/org/acme/assessments/{assessment.pk}/invitations/")
    body = page.inner_text("main")
    assert body.count("It has no questions yet") == 1
    assert page.locator("#invite-one button[type=submit]").is_disabled()
    assert page.locator("#invite-csv button[type=submit]").is_disabled()
    assert page.locator("#id_candidate_name").is_disabled()
    shot(page, "invite-empty-1280")


# --- Item 4: the builder ---------------------------------------------------------------------


def _choice_question(key: str, topic: str) -> Question:
    item = question_from_yaml(
        textwrap.dedent(
            f"""
            id: {key}
            kind: single_choice
            topic: {topic}
            level: mid
            prompt: "Question {key}: which statement about running statistics holds here?"
            choices:
              - text: "Right {key}"
                correct: true
              - text: "Wrong {key}"
                correct: false
            explanation: Because.
            """
        )
    )
    return save_question(item, Topic.objects.get(slug=item.topic))[0]


def test_the_builders_controls_are_in_reach_and_adaptive_works_with_defaults(
    gunicorn_server, open_page, recruiter_org
):
    base = gunicorn_server()
    factories.make_topics()
    questions = [_choice_question(f"nc-q{i:02d}", "alternatives") for i in range(16)]
    assessment = factories.make_assessment(recruiter_org, questions[:8])
    adaptive = Section.objects.create(assessment=assessment, title="Adaptive part", position=1)
    page = open_page()
    sign_in(page, base)
    page.goto(f"{base}/org/acme/assessments/{assessment.pk}/")
    side = page.locator(".grid > .sticky").bounding_box()
    assert side["height"] <= LAPTOP["height"], f"the side column is {side['height']:.0f} px"
    # From halfway down the bank, each part is one click away and lands in view.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    for name, target in [
        ("Settings", "#settings"),
        ("New section", "#new-section"),
        ("Random draw", f"#draw-count-{adaptive.pk}"),
        ("Adaptive", f"#adaptive-{adaptive.pk}"),
    ]:
        page.locator("#builder-side nav.jump a", has_text=name).last.click()
        page.wait_for_timeout(100)
        assert in_viewport(page, target), f"{name} is not in view after its jump link"
    assert page.locator("#settings").evaluate("d => d.open")  # the jump opens it too
    shot(page, "builder-1280")

    # An adaptive section with the default filters adapts over the bank.
    page.check(f"#adaptive-{adaptive.pk}")
    page.fill(f"#adaptive-min-{adaptive.pk}", "4")
    page.fill(f"#adaptive-max-{adaptive.pk}", "8")
    page.click(f"#adaptive-form-{adaptive.pk} button:has-text('Set adaptive')")
    page.wait_for_load_state()
    assert "pool has 0" not in page.inner_text("main")
    adaptive.refresh_from_db()
    assert adaptive.adaptive
    help_text = page.inner_text(f"#adaptive-help-{adaptive.pk}")
    assert "Target SE" in help_text and "standard error" in help_text
    assert "Exposure (top N)" in help_text and "at random among the N" in help_text
    summary = page.inner_text("#summary")
    assert "16" in summary

    # The preview counts and describes the adaptive section too.
    page.goto(f"{base}/org/acme/assessments/{assessment.pk}/preview/")
    facts = page.inner_text("#preview-facts")
    assert facts.startswith("8 questions and up to 8 adaptive ones (16 at most)"), facts
    card = page.inner_text(f"#adaptive-preview-{adaptive.pk}")
    assert "4 to 8 questions" in card and "pool of 16" in card
    shot(page, "preview-1280")

    phone = open_page(PHONE)
    sign_in(phone, base)
    phone.goto(f"{base}/org/acme/assessments/{assessment.pk}/")
    assert page_width(phone) <= 390, f"the builder is {page_width(phone)} px wide"
    shot(phone, "builder-390")


# --- Item 5: the coding page -----------------------------------------------------------------


def _coding_attempt() -> tuple[Attempt, str]:
    bank = factories.make_bank("coding")
    assessment = factories.make_assessment(factories.make_org("lab"), [bank["coding"]])
    invitation, token = factories.make_invitation(assessment)
    return attempt_start(invitation), token


def test_the_sample_run_shows_in_view_at_1280x900(gunicorn_server, open_page):
    base = gunicorn_server()
    _, token = _coding_attempt()
    page = open_page()
    page.goto(f"{base}/t/{token}/q/1/")
    page.wait_for_selector(".ace_editor")
    page.click("#run-samples")
    # No grading worker runs here: the run stays queued, which is what shows first.
    page.wait_for_selector("#sample-result .run-pending")
    page.wait_for_timeout(300)
    result = page.locator("#sample-result .run-pending").bounding_box()
    pane = page.locator(".editor-pane").bounding_box()
    assert 0 <= result["y"] and result["y"] + result["height"] <= LAPTOP["height"]
    assert pane["y"] <= result["y"] and result["y"] + result["height"] <= pane["y"] + pane["height"]
    shot(page, "coding-run-1280")


def test_on_a_phone_the_statement_reads_whole_and_the_error_note_is_on_screen(
    gunicorn_server, open_page
):
    base = gunicorn_server()
    attempt, token = _coding_attempt()
    answer = attempt.answers.get()
    note = "expected shape (2, 3) but the output has shape (3, 2): normalize the last axes"
    Submission.objects.create(
        answer=answer,
        problem="layernorm-forward",
        source="import numpy as np\n",
        public_only=True,
        status=SubmissionStatus.GRADED,
        verdict="wrong_answer",
        score=0.0,
        finished_at=timezone.now(),
        report={
            "verdict": "wrong_answer",
            "score": 0.0,
            "checks": [
                {"name": "sample_2d_shape", "passed": False, "max_abs_error": None,
                 "message": note},
                {"name": "sample_3d_values", "passed": False, "max_abs_error": 0.5,
                 "message": "values differ from the reference"},
            ],
        },
    )  # fmt: skip
    page = open_page(PHONE)
    page.goto(f"{base}/t/{token}/q/1/")
    page.wait_for_selector(".ace_editor")
    statement = page.evaluate(
        "(() => { const s = document.getElementById('statement-pane');"
        " return [s.scrollHeight, s.clientHeight]; })()"
    )
    assert statement[0] <= statement[1] + 1, f"the statement scrolls inside itself: {statement}"
    page.click("a.to-code")
    page.wait_for_timeout(200)
    assert in_viewport(page, "#editor")
    page.click("#sample-result summary:has-text('Every check')")
    cell = page.locator("#sample-result td", has_text=note)
    cell.scroll_into_view_if_needed()
    box = cell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert page_width(page) <= 390
    shot(page, "coding-390")


# --- Item 7: the small ones --------------------------------------------------------------------


def test_home_and_new_assessment_fit_a_phone_and_the_form_reads_as_one(
    gunicorn_server, open_page, recruiter_org
):
    base = gunicorn_server()
    factories.make_topics()
    Topic.objects.create(
        slug="very-long-topic", title="Fine-tuning and freezing batch normalization layers in "
        "pretrained networks", position=9,
    )  # fmt: skip
    phone = open_page(PHONE)
    phone.goto(f"{base}/")
    assert page_width(phone) <= 390, f"the home page is {page_width(phone)} px wide"
    shot(phone, "home-390")
    sign_in(phone, base)
    phone.goto(f"{base}/org/acme/assessments/new/")
    assert page_width(phone) <= 390, f"the form is {page_width(phone)} px wide"
    shot(phone, "new-assessment-390")
    page = open_page()
    sign_in(page, base)
    page.goto(f"{base}/org/acme/assessments/new/")
    for field in ("instructions", "pass_mark", "shuffle_questions"):
        control = page.locator(f"#id_{field}").bounding_box()
        help_box = page.locator(f"#id_{field}_helptext").bounding_box()
        assert help_box["y"] >= control["y"] + control["height"] - 1, f"{field}'s help is beside it"
    assert page.get_by_label("Time limit (minutes)").count() == 1
    assert page.get_by_label("Shuffle the choices").count() == 1
    shot(page, "new-assessment-1280")


def test_practice_says_why_it_is_short_and_draws_no_frame_round_choices(gunicorn_server, open_page):
    base = gunicorn_server()
    bank = factories.make_bank("single", "multiple")
    # Practice draws only from its own public pool.
    Question.objects.filter(pk__in=[q.pk for q in bank.values()]).update(pool=Pool.PRACTICE)
    page = open_page()
    page.goto(f"{base}/")
    page.select_option("#id_length", "10")
    page.click("button:has-text('Start practice')")
    page.wait_for_url(re.compile(r"/q/1/$"))
    message = page.inner_text(".messages")
    assert "This quiz has 2 questions, not 10" in message
    for _ in range(2):
        if page.locator("fieldset.choices-set").count():
            break
        page.goto(page.url.replace("/q/1/", "/q/2/"))
    border = page.evaluate(
        "getComputedStyle(document.querySelector('fieldset.choices-set')).borderTopWidth"
    )
    assert border == "0px"
    shot(page, "practice-1280")


LONG_PROMPT = (
    "A model fine-tuned with batch size 2 per GPU shows running statistics that drift from "
    "the training batches' statistics; which change keeps the evaluation outputs close to "
    "the training outputs without retraining from scratch?"
)


def _submitted_attempts(org, n: int):
    factories.make_topics()
    bank = factories.make_bank("written")
    long_one = question_from_yaml(
        textwrap.dedent(
            f"""
            id: t-long-prompt
            kind: single_choice
            topic: batch-running-statistics
            level: mid
            prompt: "{LONG_PROMPT}"
            choices:
              - text: Recompute the running statistics on training batches in eval mode
                correct: true
              - text: Raise the learning rate
                correct: false
            explanation: Because.
            """
        )
    )
    long_one = save_question(long_one, Topic.objects.get(slug=long_one.topic))[0]
    assessment = factories.make_assessment(org, [long_one, bank["written"]])
    attempts = []
    for i in range(n):
        invitation, _ = factories.make_invitation(assessment, name=f"Cand{i} Example")
        attempt = attempt_start(invitation)
        for answer in attempt.answers.order_by("position"):
            written = answer.question_version.content["kind"] == "written"
            response = "Batch norm normalizes each channel over the batch." if written else 0
            answer_save(attempt, answer.position, response, answer.revision)
        attempts.append(attempt_submit(attempt))
    return assessment, attempts


def test_item_statistics_refresh_now_for_staff(gunicorn_server, open_page, django_user_model):
    base = gunicorn_server()
    django_user_model.objects.create_user("editor", password=PASSWORD, is_staff=True)
    _submitted_attempts(factories.make_org("lab"), 3)
    page = open_page()
    page.goto(f"{base}/admin/login/?next=/bank/statistics/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/bank/statistics/"))
    page.click("#refresh-statistics button:has-text('Recompute now')")
    page.wait_for_url(re.compile(r"/bank/statistics/$"))
    assert "Recomputed just now" in page.inner_text(".messages")
    row = page.locator("table tbody tr", has_text="Normalization screen").first
    assert row.locator("td").nth(1).inner_text() == "3"
    shot(page, "item-statistics-1280")


def test_report_and_candidates_list_speak_one_vocabulary_and_print_whole_questions(
    gunicorn_server, open_page, recruiter_org, django_user_model
):
    from assess.review.services import rubric_score

    base = gunicorn_server()
    _, attempts = _submitted_attempts(recruiter_org, 1)
    attempt = attempts[0]
    written = next(
        a for a in attempt.answers.all() if a.question_version.content["kind"] == "written"
    )
    reviewer = django_user_model.objects.get(username="ada")
    rubric_score(written, [0], reviewer)
    page = open_page()
    sign_in(page, base)
    page.goto(f"{base}/org/acme/candidates/")
    stage = page.locator("#candidates tbody tr").first.locator("span.pill").first.inner_text()
    page.goto(f"{base}/org/acme/attempts/{attempt.pk}/report/")
    assert stage == "Reviewed" and stage in page.inner_text("#report .muted")
    page.goto(f"{base}/org/acme/assessments/{attempt.assessment_id}/invitations/")
    assert page.inner_text("table.dense tbody tr td:nth-child(2)") == "Reviewed: report"
    page.goto(f"{base}/org/acme/attempts/{attempt.pk}/report/")
    # Whole questions on the report (and so in print and on the shared copy).
    cells = page.locator(".question-cell").all_inner_texts()
    assert LONG_PROMPT in cells and not any(c.endswith("…") for c in cells)
    page.emulate_media(media="print")
    shot(page, "report-print-1280")


def test_bulk_action_without_a_choice_changes_nobody(gunicorn_server, open_page, recruiter_org):
    base = gunicorn_server()
    bank = factories.make_bank("single")
    assessment = factories.make_assessment(recruiter_org, [bank["single"]])
    invitation, _ = factories.make_invitation(assessment)
    page = open_page()
    sign_in(page, base)
    page.goto(f"{base}/org/acme/candidates/")
    assert page.locator("#bulk-action").input_value() == ""
    page.check("#tick-all")
    page.click("button:has-text('Apply to ticked')")
    page.wait_for_load_state()
    assert "choose an action" in page.inner_text(".messages")
    invitation.refresh_from_db()
    assert invitation.decision == ""


def test_draw_message_agrees_with_one_question(client, recruiter_org, django_user_model):
    bank = factories.make_bank("single", "multiple")
    assessment = factories.make_assessment(recruiter_org, [bank["single"]])
    section = assessment.sections.get()
    section_set_picks(section, [bank["single"]])
    client.force_login(django_user_model.objects.get(username="ada"))
    page = client.post(
        f"/org/acme/assessments/{assessment.pk}/sections/{section.pk}/draw/",
        {"draw_count": 5, "draw_points": 1, "draw_kind": "", "draw_level": "", "draw_topic": ""},
        follow=True,
    ).content.decode()
    assert "The bank has 1 question that fits these filters and is not picked already" in page
