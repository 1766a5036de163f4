"""`make run` again (issue 23, item 6): every start runs `demo_setup`, which used to add
another "Demo Candidate" to the pipeline and reset every demo user's password, signing the
hiring team out. Now a second start keeps the team signed in and the one demo candidate,
whose link is replaced. In headless chromium at 1280 and 390 px."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def demo_setup(capsys, base: str) -> str:
    call_command("demo_setup", "--base-url", base)
    out = capsys.readouterr().out
    return re.search(re.escape(base) + r"(/t/[^/\s]+/)", out).group(1)


def shot(page, name: str) -> None:
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_second_start_keeps_the_team_signed_in_and_one_demo_candidate(
    live_server, browser, settings, capsys
):
    settings.DEBUG = True  # demo_setup refuses to run in production
    base = live_server.url
    call_command("loadbank", verbosity=0)
    first_link = demo_setup(capsys, base)
    pages = {}
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/org/login/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", "normdemo-2026")
        page.click("button:has-text('Sign in')")
        page.wait_for_url(re.compile(r".*/org/.*"))
        pages[width] = (context, page)

    second_link = demo_setup(capsys, base)  # `make run` again
    assert second_link != first_link

    for width, (context, page) in pages.items():
        page.goto(f"{base}/org/demo/candidates/")
        assert "/login/" not in page.url  # still signed in
        assert page.get_by_text("Demo Candidate").count() == 1
        shot(page, f"make-run-again-candidates-{width}")
        context.close()

    candidate = browser.new_page()
    candidate.goto(f"{base}{first_link}")
    assert "Normalization screen (demo)" not in candidate.content()  # the old link is replaced
    candidate.goto(f"{base}{second_link}")
    assert candidate.locator("h1").inner_text() == "Normalization screen (demo)"
    candidate.close()
