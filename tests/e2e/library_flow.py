"""Steps the library's browser tests share: signing in, a recruiter putting one of the
organization's own questions into a new test and inviting a candidate, the candidate
starting it."""

import re

from tests.e2e.conftest import ARTIFACTS

PASSWORD = "library-flow-2026!"


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/org/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state("load")


def artifact(name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def recruiter_invites_with(browser, base: str, key: str, title: str) -> str:
    """rita makes a test of the library question `key` alone (found with the builder's
    library filter) and invites Grace Hopper; the invitation link."""
    recruiter = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(recruiter, base, "rita")
    recruiter.click("text=New assessment")
    recruiter.fill("#id_title", title)
    recruiter.fill("#id_time_limit_minutes", "30")
    recruiter.fill("#id_pass_mark", "50")
    recruiter.click("button:has-text('Create and add questions')")
    recruiter.wait_for_selector("#bank")
    recruiter.select_option("#id_source", "library")
    recruiter.click("button:has-text('Filter')")
    recruiter.wait_for_url(re.compile(r"source=library"))
    recruiter.wait_for_load_state("load")
    recruiter.wait_for_selector(f"tr[data-key='{key}']")
    assert recruiter.locator("#bank tbody tr").count() == 1
    assert "Our library" in recruiter.inner_text(f"tr[data-key='{key}']")
    recruiter.click(f"tr[data-key='{key}'] button")
    recruiter.wait_for_selector("#summary-length:has-text('1 (1 picked')")
    recruiter.screenshot(path=str(artifact(f"library-builder-{key[-8:]}-1280")), full_page=True)
    recruiter.click("text=Invite candidates")
    recruiter.fill("#id_candidate_name", "Grace Hopper")
    recruiter.fill("#id_candidate_email", "grace@example.com")
    recruiter.click("#invite-one button[type=submit]")
    link = recruiter.inner_text("#new-link code").strip()
    recruiter.context.close()
    return link


def candidate_starts(browser, link: str, width: int):
    """The candidate's page on the test's first question, the notice confirmed."""
    candidate = browser.new_context(viewport={"width": width, "height": 844}).new_page()
    candidate.goto(link)
    candidate.check("#notice-confirm")
    candidate.click("button:has-text('Start the test')")
    candidate.goto(f"{link}q/1/")
    return candidate
