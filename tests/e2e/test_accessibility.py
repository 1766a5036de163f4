"""Accessibility of every candidate and practice page: axe-core (WCAG 2.1 A/AA and best
practice) finds no serious or critical violation at desktop and phone widths, and a whole
test can be taken with the keyboard alone, code included (through the plain text box a
screen reader reads well). Every violation found, of any impact, is written to
tests/e2e/artifacts/axe-*.json; screenshots beside them."""

import re

import pytest
from django.core.management import call_command

from assess.models import Attempt
from quizzes.models import PracticeRun, Question, QuestionVersion
from tests.assess import factories
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
KINDS = ("single", "multiple", "numeric", "written", "coding")


@pytest.fixture(params=sorted(VIEWPORTS))
def sized_page(request, browser):
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    page = context.new_page()
    yield request.param, page
    context.close()


def _candidate_test(kinds=KINDS):
    bank = factories.make_bank(*kinds)
    org = factories.make_org()
    org.candidate_feedback = True  # so the feedback report is scanned too
    org.save(update_fields=["candidate_feedback"])
    assessment = factories.make_assessment(org, [bank[k] for k in kinds])
    return factories.make_invitation(assessment)


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_no_serious_accessibility_violations_on_the_candidate_pages(
    live_server, sized_page, axe_scan
):
    width, page = sized_page
    _, token = _candidate_test()
    found = {}
    sideways = {}

    def scan(name):
        _shot(page, f"a11y-{width}-{name}")
        found[name] = axe_scan(page, f"{width}-{name}")
        # Nothing on a candidate's page scrolls the whole page sideways (a wide table
        # scrolls in its own box, which is fine).
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > VIEWPORTS[width]["width"]:
            sideways[name] = scroll

    page.goto(f"{live_server.url}/t/{token}/")
    page.wait_for_selector("#system-check-summary:has-text('Your browser is ready.')")
    scan("candidate-landing")
    page.get_by_label(re.compile("Over the batch axis N")).check()
    page.wait_for_selector("#warm-up-feedback:has-text('Right')")
    scan("candidate-warm-up")
    page.check("#notice-confirm")  # the privacy notice, read
    page.click("button:has-text('Start the test')")
    for number in range(1, len(KINDS) + 1):
        page.goto(f"{live_server.url}/t/{token}/q/{number}/")
        page.wait_for_selector("#answer-form")
        kind = page.get_attribute("#answer-form", "data-kind")
        if kind == "coding":
            page.wait_for_selector(".ace_editor")
        scan(f"candidate-{kind}")
    page.goto(f"{live_server.url}/t/{token}/review/")
    scan("candidate-review")
    page.click("#submit-test")
    page.wait_for_selector("text=Your test has been submitted")
    scan("candidate-done")
    page.click("text=Your feedback report")
    page.wait_for_selector("h1:has-text('Your feedback report')")
    scan("candidate-feedback")
    assert {name: v for name, v in found.items() if v} == {}
    assert sideways == {}, f"pages wider than the {width} viewport"


def test_no_serious_accessibility_violations_on_the_practice_pages(
    live_server, sized_page, axe_scan
):
    width, page = sized_page
    call_command("loadbank", verbosity=0)
    found = {}

    def scan(name):
        _shot(page, f"a11y-{width}-{name}")
        found[name] = axe_scan(page, f"{width}-{name}")

    page.goto(live_server.url + "/")
    scan("practice-home")
    page.select_option("select[name=length]", "5")
    page.click("text=Start practice")
    page.wait_for_url(re.compile(r"/q/1/$"))
    # One question of each kind, whatever the draw gave.
    token = re.search(r"/practice/([^/]+)/", page.url).group(1)
    run = PracticeRun.objects.get(token=token)
    run.items = [
        {"version": _practice_version(kind), "seed": 7}
        for kind in ("single_choice", "multiple_choice", "numeric", "written", "coding")
    ]
    run.save(update_fields=["items"])
    for number in range(1, 6):
        page.goto(f"{live_server.url}/practice/{token}/q/{number}/")
        kind = PracticeRun.objects.get(pk=run.pk).items[number - 1]["version"]
        kind = QuestionVersion.objects.get(pk=kind).kind
        scan(f"practice-{kind}")
        if kind == "coding":
            page.wait_for_selector(".ace_editor")  # the same editor as the hiring test's
            page.evaluate(
                "ace.edit('editor').setValue('def layernorm_forward(x, *a, **k):\\n    return x\\n')"
            )
            page.click("button:has-text('Run my code')")
            page.wait_for_selector("text=Grading your code")
            scan("practice-coding-grading")  # no worker here: it stays queued
            continue
        if kind in ("single_choice", "multiple_choice"):
            page.locator("input[name=choice]").first.check()
        elif kind == "written":
            page.fill("#written", "Noisy statistics from two samples.")
        else:
            page.fill("input[name=value]", "1,5")  # refused: the error state
            page.click("button:has-text('Check answer')")
            page.wait_for_selector("#value-error")
            scan("practice-numeric-error")
            page.fill("input[name=value]", "0.5")
        page.click("button:has-text('Check answer')")
        page.wait_for_selector("p.verdict")
        scan(f"practice-{kind}-feedback")
    page.goto(f"{live_server.url}/practice/{token}/result/")
    page.wait_for_selector("text=Your practice score")
    scan("practice-result")
    assert {name: v for name, v in found.items() if v} == {}


def _practice_version(kind: str) -> int:
    return (
        Question.objects.practice()
        .filter(kind=kind)
        .order_by("pk")
        .values_list("latest_version_id", flat=True)
        .first()
    )


def _tab_to(page, selector, *, backwards=False, limit=60):
    """Press Tab until the focused element matches `selector` (a keyboard user's path)."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with {key}")


CODE = factories.GOOD_LAYERNORM


def test_a_whole_test_is_taken_with_the_keyboard_alone(live_server, browser):
    invitation, token = _candidate_test()
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.goto(f"{live_server.url}/t/{token}/")
    _tab_to(page, "#notice-confirm")  # the privacy notice, read and confirmed
    page.keyboard.press("Space")
    _tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/q/1/$"))
    typed = {}
    for _ in KINDS:
        page.wait_for_selector("#answer-form")
        kind = page.get_attribute("#answer-form", "data-kind")
        if kind == "single_choice":
            _tab_to(page, "input[type=radio]")
            page.keyboard.press("Space")
        elif kind == "multiple_choice":
            _tab_to(page, "input[type=checkbox]")
            page.keyboard.press("Space")
            page.keyboard.press("Tab")
            page.keyboard.press("Space")
        elif kind == "numeric":
            _tab_to(page, "#value")
            page.keyboard.type("1.25")
        elif kind == "written":
            _tab_to(page, "#written")
            page.keyboard.type("Two-sample batch statistics are noisy.")
        elif kind == "coding":
            page.wait_for_selector(".ace_editor")
            _tab_to(page, "#plain-editor-toggle")
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "code"
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.insert_text(CODE)
            page.keyboard.press("Escape")  # then Tab leaves the text box
        typed[kind] = True
        page.wait_for_selector("#save-status:has-text('Saved at')")
        _tab_to(page, "a.button:not(.secondary)")
        here = page.url
        page.keyboard.press("Enter")
        # The link saves first, then navigates: wait for the next page, not this one's load
        # state (already reached; the next _tab_to then met the navigation mid-way).
        page.wait_for_url(lambda url, here=here: url != here)
        page.wait_for_load_state()
    page.wait_for_selector("text=You have answered every question.")
    _tab_to(page, "#submit-test")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Your test has been submitted")
    _shot(page, "keyboard-only-done")
    context.close()

    attempt = Attempt.objects.get(invitation=invitation)
    answers = {a.kind: a.response for a in attempt.answers.select_related("question_version")}
    assert attempt.status == "submitted"
    assert answers["numeric"] == "1.25"
    assert answers["written"] == "Two-sample batch statistics are noisy."
    assert answers["coding"].strip() == CODE.strip()
    assert answers["single_choice"] is not None and len(answers["multiple_choice"]) == 2
