"""The level a recruiter reads, in a real browser against gunicorn (DJANGO_DEBUG=0) at
laptop and phone widths: the report leads with one level (not yet junior for a 3% fail,
never "100%"), says what it rests on and which method set it; the jargon waits in the
details; the comparison tells 81% from 3%. Screenshots under tests/e2e/artifacts/."""

import re

import pytest

from assess.models import Membership, Role
from tests.assess import factories
from tests.assess.test_level_report import strong, taken, weak

pytestmark = [pytest.mark.e2e]

PASSWORD = "pw-level-reader-42"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def _artifact(name: str):
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


@pytest.mark.parametrize("name", sorted(VIEWPORTS))
def test_the_report_and_the_comparison_lead_with_one_honest_level(
    gunicorn_server, browser, django_user_model, name
):
    org = factories.make_org("acme")
    user = django_user_model.objects.create_user("rita", password=PASSWORD)
    Membership.objects.create(user=user, organization=org, role=Role.RECRUITER)
    assessment = factories.make_assessment(org, factories.make_choice_questions(31), minutes=60)
    good = taken(assessment, "Ada Strong", strong)
    bad = taken(assessment, "Wes Weak", weak)
    base = gunicorn_server()
    width = VIEWPORTS[name]["width"]
    context = browser.new_context(viewport=VIEWPORTS[name])
    page = context.new_page()
    page.goto(f"{base}/org/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/org/acme/"))

    page.goto(f"{base}/org/acme/attempts/{bad.pk}/report/")
    headline = page.locator("#how-sure")
    assert headline.is_visible()
    words = " ".join(headline.inner_text().split())
    assert words.startswith("Suggested interview level: not yet junior ·")
    assert re.search(r"(\d+|over 99)% likely, from 31 scored answers", words)
    assert "Set by the percent rule" in words and "100%" not in words
    card = page.locator("#in-a-minute").inner_text()
    assert "bility" not in card and "±" not in card and "prior" not in card
    assert page.get_by_text("Suggested interview level").count() == 1
    # The details are closed until asked for (a printed copy opens them); open, they say
    # what each term means.
    details = page.locator("#level-details")
    assert not page.locator("#calibrated-level").is_visible()
    if name == "desktop":
        page.pdf(path=str(_artifact("level-report-print").with_suffix(".pdf")))
        assert page.locator("#calibrated-level").is_visible()
        page.reload()
    details.locator("summary").click()
    opened = " ".join(details.inner_text().split())
    assert re.search(r"Ability -\d\.\d ± \d\.\d, from 31 scored answers", opened)
    assert "0 is the average candidate" in opened and "level priors" in opened
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(_artifact(f"level-report-{name}")), full_page=True)
    page.locator("#in-a-minute").screenshot(path=str(_artifact(f"level-card-{name}")))
    details.screenshot(path=str(_artifact(f"level-details-{name}")))

    page.goto(f"{base}/org/acme/attempts/compare/?attempt={good.pk}&attempt={bad.pk}")
    cells = [" ".join(c.split()) for c in page.locator("td.compare-level").all_inner_texts()]
    assert cells[0].startswith("mid ") and cells[1].startswith("not yet junior ")
    assert all("from 31 scored answers" in c for c in cells)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(_artifact(f"level-compare-{name}")), full_page=True)
    context.close()
