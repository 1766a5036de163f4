"""A visitor takes a practice quiz in a real browser, on the real question bank."""

import re

import pytest
from django.core.management import call_command

from quizzes.models import PracticeRun, Question, QuestionVersion

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
    for number in range(1, 6):
        page.wait_for_selector("text=Question")
        if page.locator("#code").count():
            # Practice code is graded by a worker (tests/quizzes/test_practice_code.py);
            # none runs here, so this visitor moves on without running it.
            token = page.url.split("/practice/")[1].split("/")[0]
            target = f"q/{number + 1}/" if number < 5 else "result/"
            page.goto(f"{live_server.url}/practice/{token}/{target}")
            if number == 5:
                break
            continue
        if page.locator("input[name=choice]").count():
            page.locator("input[name=choice]").first.check()
        elif page.locator("#written").count():
            page.fill("#written", "Batch statistics from two samples are noisy.")
        else:
            page.fill("input[name=value]", "0.5")
        page.click("button:has-text('Check answer')")
        verdict = page.locator("p.verdict")
        verdict.wait_for()
        assert verdict.inner_text().startswith(
            ("Correct.", "Not quite.", "Partly right", "Self-checked")
        )
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
    # Written answers are self-checked, outside the score.
    run = PracticeRun.objects.get(token=page.url.split("/practice/")[1].split("/")[0])
    kinds = QuestionVersion.objects.filter(pk__in=[i["version"] for i in run.items])
    scored = sum(1 for v in kinds if v.kind != "written")
    assert f"/ {scored} " in page.locator("p.score").inner_text()
    screenshot("practice-result")


def _snippet(prompt: str) -> str:
    """The start of a prompt as the page shows it: Markdown marks gone, spaces collapsed."""
    plain = re.sub(r"[`*_]", "", prompt)
    return " ".join(plain.split())[:40]


def test_practice_pages_never_show_a_hiring_question(live_server, page):
    call_command("loadbank", verbosity=0)
    hiring = {
        q.key: _snippet(q.latest_version.content["prompt"])
        for q in Question.objects.hiring().select_related("latest_version")
        if q.kind != "numeric"  # a numeric prompt's start may hold a drawn value
    }
    shown = 0
    for level in ("junior", "mid", "senior"):
        page.goto(live_server.url + "/")
        page.select_option("select[name=level]", level)
        page.select_option("select[name=length]", "15")
        page.click("text=Start practice")
        token = page.url.split("/practice/")[1].split("/")[0]
        run = PracticeRun.objects.get(token=token)
        versions = QuestionVersion.objects.select_related("question").in_bulk(
            [item["version"] for item in run.items]
        )
        for number, item in enumerate(run.items, start=1):
            page.goto(f"{live_server.url}/practice/{token}/q/{number}/")
            text = " ".join(page.locator("main").inner_text().split())
            question = versions[item["version"]].question
            assert question.pool == "practice", question.key
            if question.kind != "numeric":
                # The page shows the question drawn (so the check below reads real pages).
                assert _snippet(question.latest_version.content["prompt"]) in text
            leaked = [key for key, start in hiring.items() if start in text]
            assert leaked == [], f"practice page {number} ({level}) shows {leaked}"
            shown += 1
    assert shown >= 30
