"""A practice visitor runs code on a coding problem in the browser while a real worker
grades it in the sandbox: the verdict, the diagnosis, the smallest failing public case and
the console appear without a reload. Screenshots at desktop and phone widths."""

import re

import pytest

from quizzes.models import Pool, PracticeRun, Question
from tests.assess import factories
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_visitor_runs_practice_code_and_reads_the_diagnosis(
    live_server, browser, pipeline, settings, axe_scan, width
):
    settings.PRACTICE_CODE_QUEUE = pipeline.queue
    pipeline()
    factories.make_bank("coding", "single")
    # The factories write hiring questions; practice offers practice questions only.
    Question.objects.filter(key__in=["t-coding", "t-single"]).update(pool=Pool.PRACTICE)
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.select_option("select[name=length]", "5")
    page.click("text=Start practice")
    page.wait_for_url(re.compile(r"/q/1/$"))
    token = re.search(r"/practice/([^/]+)/", page.url).group(1)
    coding = Question.objects.get(key="t-coding")
    PracticeRun.objects.filter(token=token).update(
        items=[{"version": coding.latest_version_id, "seed": 1}]
    )
    page.reload()
    # The hiring test's editor (Ace), typed into as a visitor would.
    page.wait_for_selector(".ace_editor")
    assert "def layernorm_forward" in page.locator(".ace_content").inner_text()  # the starter
    page.get_by_role("textbox", name=re.compile("Your code")).focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    source = factories.WRONG_LAYERNORM + "\nprint('hello from practice')\n"
    page.keyboard.insert_text(source)
    page.click("button:has-text('Run my code')")
    page.wait_for_selector("text=Wrong answer:", timeout=60_000)
    text = page.locator("#code-result").inner_text()
    assert "Epsilon added outside the square root" in text
    assert "Smallest failing case" in text
    assert "hello from practice" in text
    page.wait_for_selector(".ace_editor")
    # The code stays in the editor for the next try.
    assert page.evaluate("ace.edit('editor').getValue()").strip() == source.strip()
    assert page.locator("#code-result a:has-text('See your score')").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"practice-code-graded-{width}.png"), full_page=True)
    assert axe_scan(page, f"practice-code-graded-{width}") == []

    # Code that raises in a helper: the console shows the visitor's own frames.
    page.evaluate("code => ace.edit('editor').setValue(code, 1)", factories.HELPER_RAISES_LAYERNORM)
    page.click("button:has-text('Run it again')")
    page.wait_for_selector("text=Runtime error:", timeout=60_000)
    console = page.get_by_role("region", name="Console").inner_text()
    assert 'File "submission.py", line 5, in _stats' in console
    assert 'File "submission.py", line 9, in layernorm_forward' in console
    assert "zygote" not in console
    page.get_by_role("region", name="Console").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"practice-code-traceback-{width}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
