"""A practice visitor runs code on a coding problem in the browser while a real worker
grades it in the sandbox: the verdict, the diagnosis, the smallest failing public case and
the console appear without a reload. Screenshots at desktop and phone widths."""

import re

import pytest

from quizzes.models import PracticeRun, Question
from tests.assess import factories
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_visitor_runs_practice_code_and_reads_the_diagnosis(
    live_server, browser, pipeline, settings, width
):
    settings.PRACTICE_CODE_QUEUE = pipeline.queue
    pipeline()
    factories.make_bank("coding", "single")
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
    source = factories.WRONG_LAYERNORM + "\nprint('hello from practice')\n"
    page.fill("#code", source)
    page.click("button:has-text('Run my code')")
    page.wait_for_selector("text=Wrong answer:", timeout=60_000)
    text = page.locator("#code-result").inner_text()
    assert "Epsilon added outside the square root" in text
    assert "Smallest failing case" in text
    assert "hello from practice" in text
    assert page.input_value("#code") == source  # the code stays for the next try
    assert page.locator("#code-result a:has-text('See your score')").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"practice-code-graded-{width}.png"), full_page=True)
    context.close()
