"""The coding question as a screen reader meets it: the accessibility tree has a labelled,
editable text box for the code (Ace's own input), the statement's headings, the run
button, and a live region where the sample run's result (and the candidate's traceback,
with their line numbers) is announced. At desktop and phone widths; screenshots."""

import re

import pytest

from tests.assess import factories
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
CODE_LABEL = "Your code (Python with NumPy)"


@pytest.mark.parametrize("name", sorted(VIEWPORTS))
def test_a_screen_reader_finds_the_code_box_headings_button_and_live_result(
    live_server, browser, pipeline, axe_scan, name
):
    pipeline()  # a real worker grades the sample run in the sandbox
    bank = factories.make_bank("coding")
    assessment = factories.make_assessment(factories.make_org(), [bank["coding"]])
    _, token = factories.make_invitation(assessment)
    context = browser.new_context(viewport=VIEWPORTS[name])
    page = context.new_page()
    page.goto(f"{live_server.url}/t/{token}/")
    page.check("#notice-confirm")  # the privacy notice, read
    page.click("button:has-text('Start the test')")
    page.wait_for_selector(".ace_editor")

    tree = page.locator("main").aria_snapshot()
    assert re.search(r'heading "Layer normalization: forward pass" \[level=1\]', tree), tree
    assert re.search(r'heading "Rules for every problem" \[level=2\]', tree), tree
    assert 'button "Run sample tests"' in tree
    # One text box for the code, named by its label, that takes typing: Ace's own input
    # (the plain box behind it is hidden while Ace is on, so it is not announced twice).
    code_box = page.get_by_role("textbox", name=re.compile(re.escape(CODE_LABEL)))
    assert code_box.count() == 1, tree
    assert code_box.is_editable()
    assert "ace_text-input" in code_box.get_attribute("class")

    code_box.focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(factories.HELPER_RAISES_LAYERNORM)
    assert (
        page.evaluate("ace.edit('editor').getValue()").strip()
        == factories.HELPER_RAISES_LAYERNORM.strip()
    )
    page.get_by_role("button", name="Run sample tests").click()

    # The result lands in a polite live region, so it is read out when it arrives.
    live = page.locator("#sample-result")
    assert live.get_attribute("aria-live") == "polite"
    page.wait_for_selector("#sample-result .run-report", timeout=60_000)
    said = live.inner_text()
    assert "Sample tests: runtime error" in said
    assert 'File "submission.py", line 9, in layernorm_forward' in said
    assert 'File "submission.py", line 5, in _stats' in said
    assert "NameError: name 'axez' is not defined" in said
    assert "zygote" not in said and "/grader/" not in said
    console = page.get_by_role("region", name="Console")
    assert console.count() == 1 and "line 5" in console.inner_text()

    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= VIEWPORTS[name]["width"], f"the page scrolls sideways ({scroll} px)"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"code-traceback-{name}.png"), full_page=True)
    # On a desktop the result scrolls inside the editor's pane: a shot of it in view.
    console.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"code-traceback-{name}-console.png"))
    assert axe_scan(page, f"code-traceback-{name}") == []
    context.close()
