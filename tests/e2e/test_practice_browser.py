"""A visitor takes a practice quiz in a real browser, on the real question bank."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_visitor_takes_a_practice_quiz_in_the_browser(live_server, page, screenshot):
    call_command("loadbank", verbosity=0)
    page.goto(live_server.url + "/")
    assert "Practice for your normalization interview" in page.content()
    screenshot("practice-home")

    page.select_option("select[name=level]", "junior")
    page.select_option("select[name=length]", "5")
    page.click("text=Start practice")
    answered = 0
    for _ in range(5):
        page.wait_for_selector("text=Question")
        if page.locator("input[name=choice]").count():
            page.locator("input[name=choice]").first.check()
        else:
            page.fill("input[name=value]", "0.5")
        page.click("button:has-text('Check answer')")
        verdict = page.locator("p.verdict")
        verdict.wait_for()
        assert verdict.inner_text().startswith(("Correct.", "Not quite.", "Partly right"))
        assert page.locator("div.explanation").inner_text().strip()
        answered += 1
        if answered == 1:
            screenshot("practice-feedback")
        if page.locator("a:has-text('Next question')").count():
            page.click("a:has-text('Next question')")
        else:
            page.click("a:has-text('See your score')")
            break
    page.wait_for_selector("text=Your practice score")
    assert "/ 5" in page.locator("p.score").inner_text()
    screenshot("practice-result")
