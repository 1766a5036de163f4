"""On a 390 px phone no candidate or practice page scrolls sideways, even with the bank's
longest inline code (`torch.nn.utils.parametrizations.weight_norm` has no place to
break) in a prompt or a choice. The other candidate pages (landing, system check,
warm-up, each kind, done, feedback) are measured in test_accessibility.py."""

import re

import pytest
from django.core.management import call_command

from quizzes.models import PracticeRun, Question
from tests.assess import factories
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
INLINE_CODE = re.compile(r"`([^`\n]+)`")


def _longest_inline_code(question: Question) -> int:
    """The longest run of inline code with no space in it: the browser cannot wrap it."""
    content = question.latest_version.content
    texts = [content.get("prompt", "")] + [c["text"] for c in content.get("choices", [])]
    spans = [m for t in texts for m in INLINE_CODE.findall(t)]
    return max((len(token) for span in spans for token in span.split()), default=0)


def _widest_questions(kinds, n=2) -> list[Question]:
    """Per kind, the questions with the longest unbreakable code: the likeliest to overflow."""
    picked = []
    for kind in kinds:
        pool = Question.objects.filter(kind=kind, is_active=True).select_related("latest_version")
        picked += sorted(pool, key=_longest_inline_code, reverse=True)[:n]
    return picked


def _wider_than_the_phone(page) -> int | None:
    width = page.evaluate("document.documentElement.scrollWidth")
    return width if width > PHONE["width"] else None


def test_no_page_scrolls_sideways_with_long_inline_code(live_server, browser):
    call_command("loadbank", verbosity=0)
    questions = _widest_questions(["single_choice", "multiple_choice", "numeric"])
    assert max(_longest_inline_code(q) for q in questions) >= 35  # the case is really there
    assessment = factories.make_assessment(factories.make_org(), questions, minutes=60)
    _, token = factories.make_invitation(assessment)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    too_wide = {}
    page.goto(f"{live_server.url}/t/{token}/")
    page.check("#notice-confirm")  # the privacy notice, read
    page.click("button:has-text('Start the test')")
    ARTIFACTS.mkdir(exist_ok=True)
    for number, question in enumerate(questions, start=1):
        page.goto(f"{live_server.url}/t/{token}/q/{number}/")
        page.wait_for_selector("#answer-form")
        page.screenshot(path=str(ARTIFACTS / f"phone-long-code-{question.key}.png"), full_page=True)
        if width := _wider_than_the_phone(page):
            too_wide[f"candidate {question.key}"] = width

    # The same questions in practice, before and after answering.
    page.goto(live_server.url + "/")
    page.select_option("select[name=length]", "5")
    page.click("text=Start practice")
    page.wait_for_url(re.compile(r"/q/1/$"))
    practice = re.search(r"/practice/([^/]+)/", page.url).group(1)
    PracticeRun.objects.filter(token=practice).update(
        items=[{"version": q.latest_version_id, "seed": 1} for q in questions]
    )
    for number, question in enumerate(questions, start=1):
        page.goto(f"{live_server.url}/practice/{practice}/q/{number}/")
        if width := _wider_than_the_phone(page):
            too_wide[f"practice {question.key}"] = width
        if question.kind == "numeric":
            page.fill("input[name=value]", "0.5")
        else:
            page.locator("input[name=choice]").first.check()
        page.click("button:has-text('Check answer')")
        page.wait_for_selector("p.verdict")
        if width := _wider_than_the_phone(page):
            too_wide[f"practice {question.key} feedback"] = width
    page.goto(f"{live_server.url}/practice/{practice}/result/")
    page.screenshot(path=str(ARTIFACTS / "phone-long-code-practice-result.png"), full_page=True)
    if width := _wider_than_the_phone(page):
        too_wide["practice result"] = width
    context.close()
    assert too_wide == {}, "pages wider than a 390 px phone (px)"
