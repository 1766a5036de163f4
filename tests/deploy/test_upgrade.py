"""An upgrade, as an operator does it (docs/deploy.md, "Upgrades"): the previous release's
images run with a candidate half-way through a test; the images change to the current
code and `up` runs again; the `migrate` service migrates once before the web app and the
workers restart, and the candidate finishes with nothing lost."""

import json

import pytest

from tests.deploy.stack import ROOT, build_previous_release_image
from tests.deploy.test_compose_stack import (
    PASSWORD,
    SETUP,
    answer,
    attempt_id,
    correct_answer,
    hiring_submissions,
    invite,
    sign_in,
)

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def saved_answers(stack, attempt: int) -> dict[str, str]:
    rows = stack.sql(
        f"SELECT position, coalesce(response::text, '') FROM assess_answer WHERE attempt_id = {attempt}"
    )
    return dict(line.split("|", 1) for line in rows.splitlines())


def test_a_candidate_half_way_on_the_previous_release_finishes_after_the_upgrade(stack, browser):
    current = stack.env["NORMASSESS_IMAGE"]
    previous = build_previous_release_image()
    stack.down()
    stack.env["NORMASSESS_IMAGE"] = previous
    stack.extra_files = [ROOT / "tests/deploy/compose.previous.yml"]
    try:
        stack.up()
        demo = json.loads(
            stack.manage("shell", "-c", SETUP.replace("PASSWORD", repr(PASSWORD)))
            .strip()
            .splitlines()[-1]
        )
        recruiter = browser.new_context(ignore_https_errors=True)
        page = recruiter.new_page()
        sign_in(page, stack.base)
        link = invite(page, stack.base, demo["assessment"], "Ada Upgrade", "ada@example.com")
        recruiter.close()

        candidate = browser.new_context(ignore_https_errors=True)
        page = candidate.new_page()
        page.goto(link)
        page.click("button:has-text('Start the test')")
        page.wait_for_selector("#answer-form")
        count = page.locator("#question-nav a[data-position]").count()
        coding = []
        for number in range(1, count + 1):  # everything but the code: half-way
            page.goto(f"{link}q/{number}/")
            if page.get_attribute("#answer-form", "data-kind") == "coding":
                coding.append(number)
                continue
            answer(page, "")
        attempt = attempt_id(stack, "ada@example.com")
        before = saved_answers(stack, attempt)
        assert sum(1 for v in before.values() if v) == count - len(coding)

        # The upgrade: the same volumes and secrets, the current images.
        stack.env["NORMASSESS_IMAGE"] = current
        stack.extra_files = []
        stack.up()
        assert stack.inspect("web", "{{.Config.Image}}") == current
        # The migrations ran once, in the current image, before web and the workers.
        assert stack.inspect("migrate", "{{.Config.Image}}") == current
        assert stack.inspect("migrate", "{{.State.ExitCode}}") == "0"

        # The candidate goes on in the same browser, with the same link.
        for number in coding:
            page.goto(f"{link}q/{number}/")
            answer(page, correct_answer(demo["problem"]), run_samples=True)
        page.goto(f"{link}review/")
        page.click("#submit-test")
        page.wait_for_selector("text=Your test has been submitted")
        candidate.close()
        stack.wait_for(
            "the grade after the upgrade",
            lambda: hiring_submissions(stack, "ada@example.com") == [("graded", "accepted")],
            timeout=240,
        )
        after = saved_answers(stack, attempt)
        assert {k: v for k, v in after.items() if k in before and before[k]} == {
            k: v for k, v in before.items() if v
        }
    finally:
        stack.env["NORMASSESS_IMAGE"] = current
        stack.extra_files = []
