"""The code playback end to end: a candidate types and pastes an answer in the real editor
(Ace), loses the focus and runs the sample tests; a reviewer of the organization opens the
playback and finds the paste, the focus loss and the run at the moments they happened,
reads the summary, and records a decision. Screenshots at 1280 and 390 px."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from assess.evidence.models import IntegrityDecision, PlaybackChunk
from assess.evidence.policy import integrity_policy_set
from assess.models import Attempt, Membership, Role
from tests.assess import factories
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TYPED = "# my own notes\n"

# A paste as the browser delivers one from another application: Ace reads clipboardData.
PASTE_FROM_OUTSIDE = """(text) => {
  const data = new DataTransfer();
  data.setData('text/plain', text);
  const input = document.querySelector('#editor textarea');
  input.focus();
  input.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
}"""


def moments(page) -> list[tuple[int, str]]:
    rows = page.locator("#moments button")
    return [
        (int(rows.nth(i).get_attribute("data-t")), rows.nth(i).inner_text())
        for i in range(rows.count())
    ]


def test_a_reviewer_replays_the_pastes_focus_losses_and_runs_and_records_a_decision(
    live_server, browser, pipeline, django_user_model, axe_scan
):
    pipeline()  # a real worker runs the sample tests in the sandbox
    org = factories.make_org("acme")
    bank = factories.make_bank("coding")
    assessment = factories.make_assessment(org, [bank["coding"]])
    integrity_policy_set(assessment, ai_assistance_allowed=False, outside_paste_allowed=False)
    _, token = factories.make_invitation(assessment)
    user = django_user_model.objects.create_user("victor", password="pw-victor-2026")
    Membership.objects.create(user=user, organization=org, role=Role.REVIEWER)

    candidate = browser.new_context(viewport={"width": 1280, "height": 800})
    page = candidate.new_page()
    page.goto(f"{live_server.url}/t/{token}/")
    policy = page.locator("#integrity-policy").inner_text()
    assert (
        "AI assistants (chat models, code completion from outside this page): not allowed" in policy
    )
    assert "Pasting from outside this page: not allowed" in policy
    assert "Reviewers can replay it" in policy
    page.check("#notice-confirm")
    page.click("button:has-text('Start the test')")
    page.wait_for_selector(".ace_editor")
    page.locator("#editor textarea").focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(TYPED, delay=40)
    assert page.locator("#paste-warning").is_hidden()
    page.evaluate(PASTE_FROM_OUTSIDE, factories.GOOD_LAYERNORM)
    page.locator("#paste-warning").wait_for(state="visible")
    assert "not to paste code from outside" in page.locator("#paste-warning").inner_text()
    page.wait_for_timeout(700)
    page.evaluate("window.dispatchEvent(new Event('blur'))")  # to another window...
    page.wait_for_timeout(2000)
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # ...and back two seconds later
    page.get_by_role("button", name="Run sample tests").click()
    page.wait_for_selector("#sample-result .run-report", timeout=90_000)
    page.wait_for_function(
        "document.getElementById('save-status').textContent.indexOf('Saved at') === 0"
    )
    page.wait_for_timeout(2500)  # the run's own batch goes with the next save
    attempt = Attempt.objects.get(invitation__assessment=assessment)
    kinds = [
        e[0] for c in PlaybackChunk.objects.filter(log__answer__attempt=attempt) for e in c.events
    ]
    assert "r" in kinds, kinds
    candidate.close()

    reviewer = browser.new_context(viewport={"width": 1280, "height": 800})
    page = reviewer.new_page()
    page.goto(f"{live_server.url}/org/login/")
    page.fill("#id_username", "victor")
    page.fill("#id_password", "pw-victor-2026")
    page.click("button:has-text('Sign in')")
    page.goto(live_server.url + reverse("org:attempt_review", args=["acme", attempt.pk]))
    page.click("text=Integrity evidence: code playback, summary and your decision")
    summary = page.locator("#integrity-summary").inner_text()
    assert "Review suggested: yes" in summary
    assert re.search(
        r"Question 1: \d+ of \d+ lines arrived in 1 paste from outside the page", summary
    )
    assert "which this test does not allow" in summary
    page.click("text=Replay how this code was written")
    page.wait_for_selector("#moments button")

    seen = moments(page)
    words = [w for _, w in seen]
    paste = next(t for t, w in seen if "Paste from outside the page" in w)
    lost = next(t for t, w in seen if "lost the focus" in w)
    back = next(t for t, w in seen if "focus came back" in w)
    run = next(t for t, w in seen if w.split(" ", 1)[1].startswith("Sample run"))
    assert words[0].endswith("Question opened"), words
    assert f"({len(factories.GOOD_LAYERNORM)} characters)" in next(w for w in words if "Paste" in w)
    assert any("Sample run: accepted" in w for w in words), words
    # In the order they happened, two seconds between leaving and coming back.
    assert paste < lost < back < run
    assert 1500 <= back - lost <= 4000, (lost, back)
    # The paste's moment shows the pasted text landing, marked, after what was typed; the
    # run's moment shows the final code.
    page.locator("#moments button", has_text="Paste from outside").click()
    assert page.locator("#playback-code mark").inner_text() == factories.GOOD_LAYERNORM
    assert page.locator("#playback-code").inner_text().startswith(TYPED)
    page.locator("#moments button", has_text="Sample run").click()
    final = page.locator("#playback-code").inner_text()
    assert "def layernorm_forward" in final and final.startswith(TYPED.strip())
    page.fill("#scrub", "0")
    page.dispatch_event("#scrub", "input")
    opened = page.locator("#playback-code").inner_text()  # the starter code, as it opened
    assert "NotImplementedError" in opened and TYPED.strip() not in opened
    page.select_option("#speed", "256")
    page.click("#play")
    code = page.locator("#playback-code")
    for _ in range(50):  # the page's CSP refuses evaluated strings: poll from here
        if int(code.get_attribute("data-t")) > 1000:
            break
        page.wait_for_timeout(100)
    assert int(code.get_attribute("data-t")) > 1000, "playing did not move the clock"
    page.click("#play")  # pause
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#moments button", has_text="Paste from outside").click()
    page.wait_for_timeout(200)
    page.screenshot(path=str(ARTIFACTS / "code-playback-1280.png"), full_page=True)
    assert axe_scan(page, "code-playback") == []
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#moments button")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 390, f"the playback page scrolls sideways ({scroll} px)"
    page.screenshot(path=str(ARTIFACTS / "code-playback-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.click("text=← Integrity evidence")
    page.check("input[value='confirmed_concern']")
    page.fill("textarea[name='note']", "The whole function arrived in one paste from outside.")
    page.click("button:has-text('Record the decision')")
    decided = page.locator("#integrity-decision").inner_text()
    assert "In force: Confirmed concern by victor" in decided
    assert "one paste from outside" in decided
    row = IntegrityDecision.objects.get(attempt=attempt)
    assert (row.decision, row.reviewer.username) == ("confirmed_concern", "victor")
    page.screenshot(path=str(ARTIFACTS / "integrity-evidence-1280.png"), full_page=True)
    assert axe_scan(page, "integrity-evidence") == []
    assert json.loads(json.dumps(words))  # the moments are plain text
    reviewer.close()
