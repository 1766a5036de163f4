"""`manage.py simulate_cat`: fixed forms against the adaptive section on the real bank."""

import re

import pytest
from django.core.management import CommandError, call_command


def run(**options) -> dict[str, tuple[float, float]]:
    from io import StringIO

    out = StringIO()
    call_command("simulate_cat", stdout=out, **options)
    rows = {}
    for line in out.getvalue().splitlines():
        match = re.match(r"(fixed \d+|adaptive.*?)\s+([\d.]+)%\s+([\d.]+)\s", line)
        if match:
            rows[match.group(1).split(" (")[0]] = (float(match.group(2)), float(match.group(3)))
    return rows


def test_simulation_prints_fixed_forms_and_the_adaptive_section():
    rows = run(candidates=150, calibration_candidates=200, max_items=12, seed=1)
    assert set(rows) == {"fixed 10", "fixed 20", "fixed 30", "adaptive"}
    assert rows["fixed 20"][1] == 20
    accuracy, mean_items = rows["adaptive"]
    assert 5 <= mean_items <= 12
    assert 33 < accuracy <= 100  # better than guessing one of three levels


@pytest.mark.slow
def test_adaptive_section_matches_the_30_item_form_with_at_most_15_items():
    rows = run(candidates=1000, calibration_candidates=1000, seed=0)
    accuracy, mean_items = rows["adaptive"]
    assert mean_items <= 15
    # The same simulated candidates take both tests, so the comparison is paired.
    assert accuracy >= rows["fixed 30"][0]


def test_simulation_refuses_impossible_settings():
    with pytest.raises(CommandError, match="min_items"):
        run(min_items=30, max_items=10)
    with pytest.raises(CommandError, match="candidates"):
        run(candidates=0)
