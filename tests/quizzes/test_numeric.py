"""Numeric templates: draws, rendering, tolerance, and answers taken from normcore."""

import numpy as np
import pytest

from quizzes import numeric


def test_vector_and_integer_and_choice_params_are_drawn_within_their_specs():
    params = {
        "v": {"vector": {"size": 4, "uniform": [-1, 1], "decimals": 1}},
        "n": {"integer": [2, 5]},
        "eps": {"choice": [1e-5, 1e-3]},
        "g": {"uniform": [0.5, 1.5], "decimals": 2},
    }
    for seed in range(100):
        values = numeric.draw_values(params, seed)
        assert len(values["v"]) == 4 and all(-1 <= x <= 1 for x in values["v"])
        assert 2 <= values["n"] <= 5
        assert values["eps"] in (1e-5, 1e-3)
        assert 0.5 <= values["g"] <= 1.5 and round(values["g"], 2) == values["g"]


def test_prompts_render_lists_and_keep_escaped_braces():
    text = numeric.render_prompt("x = {v}, set {{a}}", {"v": [1.5, -0.25]})
    assert text == "x = [1.5, -0.25], set {a}"


def test_a_placeholder_without_a_param_is_a_template_error():
    with pytest.raises(numeric.TemplateError, match="placeholder"):
        numeric.render_prompt("{missing}", {})


def test_answers_come_from_normcore_quantities():
    values = {"x1": 1.0, "x2": 2.0, "x3": 4.0, "x4": 7.0, "x5": 11.0}
    assert numeric.compute_answer("unbiased_variance", values) == pytest.approx(
        float(np.var(list(values.values()), ddof=1)), rel=1e-12
    )


@pytest.mark.parametrize("name", ["nope", "_private", "np", 3])
def test_unknown_or_private_quantities_are_refused(name):
    with pytest.raises(numeric.TemplateError):
        numeric.quantity_function(name)


@pytest.mark.parametrize(
    ("given", "ok"),
    [(1.0, True), (1.0109, True), (1.012, False), (float("nan"), False), (float("inf"), False)],
)
def test_tolerance_is_absolute_plus_relative(given, ok):
    assert numeric.within_tolerance(given, 1.0, {"abs": 0.01, "rel": 0.001}) is ok


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"uniform": [2, 1]}, "above high"),
        ({"uniform": [0, 1], "integer": [0, 1]}, "exactly one of"),
        ({"integer": [0.5, 2]}, "list [low, high] of ints"),
        ({"choice": []}, "non-empty list"),
        ({"vector": {"size": 1000, "uniform": [0, 1]}}, "vector size"),
        ({"uniform": [0, 1], "decimals": 99}, "decimals"),
        ({"uniform": [0, 1], "step": 2}, "unknown keys"),
        ("0..1", "must be a mapping"),
    ],
)
def test_bad_param_specs_are_explained(spec, message):
    assert message in numeric.validate_param_spec("p", spec)


def test_negative_zero_is_shown_as_zero():
    assert numeric.render_prompt("{x}", {"x": -0.0}) == "0.0"
