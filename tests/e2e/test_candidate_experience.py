"""The candidate's question pages in a real browser, at desktop (1280 px) and phone (390 px)
widths: the refused sample run, the editor's text, the layout, the focus ring and the
choice groups' names. Screenshots go to tests/e2e/artifacts/."""

import base64
import re

import pytest

from tests.assess import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def open_test(live_server, browser):
    """Start a test with the given bank questions; returns (page, url of question 1)."""
    contexts = []

    def start(*names, viewport=DESKTOP):
        bank = factories.make_bank(*names)
        assessment = factories.make_assessment(factories.make_org(), [bank[n] for n in names])
        _, token = factories.make_invitation(assessment)
        context = browser.new_context(viewport=viewport, device_scale_factor=1)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/t/{token}/")
        page.check("#notice-confirm")  # the privacy notice, read
        page.click("button:has-text('Start the test')")
        page.wait_for_url(re.compile(r"/q/1/$"))
        return page

    yield start
    for context in contexts:
        context.close()


def _snap(page, name):
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_refused_sample_run_says_why_on_the_page(open_test, settings):
    settings.ASSESS_SAMPLE_RUNS_PER_MINUTE = 1
    page = open_test("coding")
    page.wait_for_selector(".ace_editor")
    page.click("#run-samples")
    page.wait_for_selector("#sample-result :text('Sample tests')")
    page.click("#run-samples")
    message = page.locator("#sample-result [role=alert]")
    message.wait_for(timeout=5000)
    assert re.search(r"sample tests 1 times? a minute; try again in \d+ s", message.inner_text())


def _ink_below_baseline(page, clip) -> int:
    """Dark pixels in the bottom half of one character cell of a 1x screenshot."""
    png = page.screenshot(clip=clip)
    data = "data:image/png;base64," + base64.b64encode(png).decode()
    return page.evaluate(
        """async (src) => {
            const img = new Image(); img.src = src; await img.decode();
            const canvas = document.createElement('canvas');
            canvas.width = img.width; canvas.height = img.height;
            const ctx = canvas.getContext('2d'); ctx.drawImage(img, 0, 0);
            const px = ctx.getImageData(0, Math.floor(img.height / 2), img.width,
                                        img.height - Math.floor(img.height / 2)).data;
            let dark = 0;
            for (let i = 0; i < px.length; i += 4) if (px[i] + px[i+1] + px[i+2] < 300) dark++;
            return dark;
        }""",
        data,
    )


def test_underscores_show_in_the_editor_at_1x(open_test):
    page = open_test("coding")
    page.wait_for_selector(".ace_editor")
    page.evaluate("ace.edit('editor').setValue('normalized_shape', -1)")
    cell = page.evaluate(
        """() => {
            const ed = ace.edit('editor'); ed.renderer.updateFull(true);
            const r = ed.renderer;
            const box = r.textToScreenCoordinates(0, 10);
            return {x: box.pageX, y: box.pageY, width: r.characterWidth, height: r.lineHeight,
                    fontSize: parseFloat(getComputedStyle(ed.container).fontSize)};
        }"""
    )
    page.wait_for_timeout(100)
    assert cell["fontSize"] >= 14
    assert cell["height"] >= 1.4 * cell["fontSize"]
    clip = {k: cell[k] for k in ("x", "y", "width", "height")}
    assert _ink_below_baseline(page, clip) > 0, "the underscore is not drawn"


@pytest.mark.parametrize("viewport,name", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_the_editor_is_in_reach_and_the_statement_reads_well(open_test, viewport, name):
    page = open_test("coding", viewport=viewport)
    page.wait_for_selector(".ace_editor")
    _snap(page, f"candidate-coding-{name}")
    if name == "phone":
        # The statement reads at full height in the page; one tap skips to the editor.
        jump = page.locator("a.to-code")
        assert jump.bounding_box()["y"] < viewport["height"]
        jump.click()
        page.wait_for_timeout(200)
    editor = page.locator("#editor").bounding_box()
    assert 0 <= editor["y"] < viewport["height"], f"the editor starts {editor['y']:.0f} px down"
    title = "Layer normalization: forward pass"
    assert page.get_by_role("heading", name=title, exact=True).count() == 1
    assert page.get_by_text(title).count() == 1  # not repeated in the statement
    assert page.get_by_role("heading", name="Rules for every problem").count() == 1


def _contrast(rgb_a: str, rgb_b: str) -> float:
    def luminance(css):
        channels = [int(v) / 255 for v in re.findall(r"\d+", css)[:3]]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(rgb_a), luminance(rgb_b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


PROMPTS = {
    "radio": "Why is epsilon added to the variance?",
    "checkbox": "Which of these does batch norm keep as buffers (not parameters)?",
}


def test_the_focus_ring_stands_out_from_the_card_and_groups_are_named(open_test):
    page = open_test("single", "multiple")
    for _ in PROMPTS:
        page.wait_for_selector("input[name=choice]")
        kind = page.locator("input[name=choice]").first.get_attribute("type")
        assert page.get_by_role("group", name=PROMPTS[kind]).count() == 1
        assert page.get_by_role("group", name="Choices").count() == 0
        page.locator("input[name=choice]").first.focus()
        page.keyboard.press("Tab")
        page.keyboard.press("Shift+Tab")  # a keyboard focus, so :focus-visible applies
        ring = page.evaluate(
            """() => {
                const el = document.activeElement, s = getComputedStyle(el);
                return {tag: el.name, color: s.outlineColor, width: parseFloat(s.outlineWidth),
                        style: s.outlineStyle,
                        card: getComputedStyle(el.closest('.card')).backgroundColor};
            }"""
        )
        _snap(page, f"candidate-focus-ring-{kind}")
        assert ring["tag"] == "choice"
        assert ring["style"] != "none" and ring["width"] >= 2
        assert _contrast(ring["color"], ring["card"]) >= 3.0, ring
        if page.locator("a:has-text('Next →')").count():
            page.click("text=Next →")


@pytest.mark.parametrize("viewport,name", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_a_system_check_and_a_warm_up_come_before_the_clock(live_server, browser, viewport, name):
    from assess.models import Attempt

    bank = factories.make_bank("single")
    assessment = factories.make_assessment(factories.make_org(), [bank["single"]])
    invitation, token = factories.make_invitation(assessment)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/t/{token}/")
    page.wait_for_selector("#system-check-summary:has-text('Your browser is ready.')")
    assert page.locator("#system-check li.ok").count() == 4
    assert "round trip" in page.locator("[data-check=connection]").inner_text()
    page.get_by_role("group", name=re.compile("over which axis does BatchNorm1d")).get_by_label(
        re.compile("Over the channel axis")
    ).check()
    assert page.locator("#warm-up-feedback").inner_text().startswith("Not this one")
    page.get_by_label(re.compile("Over the batch axis N")).check()
    assert page.locator("#warm-up-feedback").inner_text().startswith("Right")
    _snap(page, f"candidate-landing-check-{name}")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= viewport["width"], f"the landing page scrolls sideways ({scroll} px)"
    assert not Attempt.objects.filter(invitation=invitation).exists()  # the clock has not started
    context.close()
