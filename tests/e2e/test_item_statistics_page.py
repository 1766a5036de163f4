"""A bank editor reads the item statistics of a simulated population in a real browser."""

import numpy as np
import pytest

from assess.review.item_responses import item_statistics_refresh
from tests.support.population import default_items, simulate_attempts

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_bank_editor_sees_item_statistics_and_dubious_flags(
    live_server, page, screenshot, django_user_model
):
    simulate_attempts(
        default_items(), 250, np.random.default_rng(2026), numeric_keys=("sim-item-04",)
    )
    item_statistics_refresh()
    django_user_model.objects.create_user("editor", password="pw-editor-2026", is_staff=True)

    page.goto(live_server.url + "/bank/statistics/")
    page.fill("input[name=username]", "editor")  # the admin's sign-in
    page.fill("input[name=password]", "pw-editor-2026")
    page.click("input[type=submit]")
    page.wait_for_selector("h1:has-text('Item statistics')")

    reliability = page.locator("table").first
    assert "Simulated screen" in reliability.inner_text()
    alpha = float(reliability.locator("tbody tr td").nth(5).inner_text())
    assert 0.3 < alpha < 0.95
    reversed_row = page.locator("table.stats tr", has_text="sim-reversed")
    assert "negative discrimination" in reversed_row.inner_text()
    assert page.locator("table.stats tr.dubious").count() == 2
    assert page.locator("table.stats tr.variant").count() == 2
    screenshot("item-statistics")

    page.check("input[name=dubious]")
    page.click("button:has-text('Show')")
    page.wait_for_selector("table.stats")
    assert page.locator("table.stats tbody tr").count() == 2
    screenshot("item-statistics-dubious")
