"""Sample runs under gunicorn, the production server (issue 23, item 2): an answer past a
few KB used to ride along in every status poll's URL (a page-wide htmx listener added the
code to every request), so gunicorn refused the request line and the candidate waited
forever; the same polls wrote the code into the access log. Now the code travels only in
POST bodies, and a failed poll says so and tries again."""

from __future__ import annotations

import pytest

from tests.assess import factories

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MARKER = "candidate-code-marker-7f3a"


def long_answer() -> str:
    """A correct answer padded past 5 KB with comments (all of it is the candidate's code)."""
    padding = "".join(
        f"# {MARKER} note {i:03d}: keep the statistics in float64\n" for i in range(110)
    )
    code = padding + factories.GOOD_LAYERNORM
    assert len(code.encode()) > 5000
    return code


def start_test(page, base: str, token: str, code: str) -> None:
    page.goto(f"{base}/t/{token}/")
    page.check("#notice-confirm")  # the privacy notice, read
    page.click("button:has-text('Start the test')")
    page.wait_for_selector(".ace_editor")
    page.evaluate("code => ace.edit('editor').setValue(code, -1)", code)


def test_a_long_answer_gets_its_sample_run_result_and_never_reaches_a_url_or_the_log(
    gunicorn_server, pipeline, browser, tmp_path
):
    bank = factories.make_bank("coding")
    assessment = factories.make_assessment(factories.make_org(), [bank["coding"]])
    _, token = factories.make_invitation(assessment)
    access_log = tmp_path / "access.log"
    base = gunicorn_server(
        GRADER_CPU_QUEUE=pipeline.queue,
        GUNICORN_CMD_ARGS=f"--access-logfile {access_log}",
    )
    code = long_answer()
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        urls: list[str] = []
        page.on("request", lambda request, seen=urls: seen.append(request.url))
        if width == 1280:
            start_test(page, base, token, code)
        else:  # the test is started: the link opens the question
            page.goto(f"{base}/t/{token}/q/1/")
            page.wait_for_selector(".ace_editor")
            page.evaluate("code => ace.edit('editor').setValue(code, -1)", code)
        page.click("#run-samples")
        if width == 1280:
            # No worker yet: the run waits, and the page polls for its result meanwhile.
            page.locator(".run-pending").wait_for()
            page.wait_for_timeout(2500)
            pipeline()  # a real worker on Redis grades the sample run
        report = page.locator(".run-report")
        report.wait_for(timeout=90_000)
        assert "all passed" in report.inner_text()
        page.screenshot(path=str(_shot_path(f"gunicorn-sample-run-{width}")), full_page=True)
        if width == 1280:
            assert [u for u in urls if "/runs/" in u], "the result was never polled for"
        assert not [u for u in urls if MARKER in u or len(u) > 500]
        context.close()
    logged = access_log.read_text()
    assert "/runs/" in logged and "POST" in logged  # the log is written, and read here
    assert MARKER not in logged


def test_a_failed_poll_says_so_and_tries_again(gunicorn_server, pipeline, browser):
    bank = factories.make_bank("coding")
    assessment = factories.make_assessment(factories.make_org(), [bank["coding"]])
    _, token = factories.make_invitation(assessment)
    base = gunicorn_server(GRADER_CPU_QUEUE=pipeline.queue)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    failures = {"left": 2}

    def flaky(route):
        # The first polls meet a broken server; later ones reach it.
        if failures["left"] > 0:
            failures["left"] -= 1
            route.fulfill(status=502, body="Bad Gateway")
        else:
            route.continue_()

    page.route("**/runs/**", flaky)
    start_test(page, base, token, factories.GOOD_LAYERNORM)
    page.click("#run-samples")
    alert = page.locator("#sample-result .poll-error")
    alert.wait_for(timeout=15_000)
    assert "Could not get the result (the server answered 502)" in alert.inner_text()
    assert "trying again" in alert.inner_text()
    alert.scroll_into_view_if_needed()  # inside the editor pane's own scroller
    page.screenshot(path=str(_shot_path("gunicorn-sample-run-poll-failed-1280")))
    pipeline()  # a worker starts: the retried poll finds the result
    page.locator(".run-report").wait_for(timeout=90_000)
    assert "all passed" in page.locator(".run-report").inner_text()
    assert failures["left"] == 0
    context.close()


def _shot_path(name: str):
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
