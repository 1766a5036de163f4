"""A numeric answer written as a formula of the drawn values: whitelisted arithmetic,
evaluated without `eval`, with a message that names what is wrong."""

from __future__ import annotations

import math

import pytest

from quizzes.formula import FormulaError, evaluate_formula, parse_formula


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("(x - mu) / sqrt(var + 1e-5)", (3.0 - 1.0) / math.sqrt(4.0 + 1e-5)),
        ("-x ** 2 + 2 * x % 2", -9.0 + 0.0),
        ("mean(v) + var(v)", 2.0 + 2.0 / 3.0),
        ("v[0] + v[-1] + len(v) + sum(v)", 1.0 + 3.0 + 3.0 + 6.0),
        (
            "max(x, mu, 7) - min(x, mu) + abs(-2) + exp(0) + log(e) + tanh(0) + pi",
            6 + 2 + 1 + 1 + math.pi,
        ),
    ],
)
def test_a_formula_computes_with_the_drawn_values(formula, expected):
    values = {"x": 3.0, "mu": 1.0, "var": 4.0, "v": [1.0, 2.0, 3.0]}
    assert evaluate_formula(formula, values) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("__import__('os').system('true')", "only these functions may be called"),
        ("x.__class__", "Attribute is not allowed"),
        ("(lambda: 1)()", "only these functions may be called"),
        ("[c for c in v]", "ListComp is not allowed"),
        ("x if x else 1", "IfExp is not allowed"),
        ("x < 1", "Compare is not allowed"),
        ("x // 2", "FloorDiv is not allowed"),
        ("x << 2", "LShift is not allowed"),
        ("not x", "Not is not allowed"),
        ("'text'", "only numbers"),
        ("True + x", "only numbers"),
        ("sqrt(x=1)", "takes no keyword arguments"),
        ("sqrt(x, x)", "takes 1 argument"),
        ("y + 1", "unknown name 'y'"),
        ("v[x]", "index a drawn vector with a whole number only"),
        ("x +", "not valid arithmetic"),
        ("", "non-empty text"),
        ("x" * 501, "over 500 characters"),
        ("2 ** 2000 + x", "an exponent above 1000"),
        ("x / (x - x)", "divides by zero"),
        ("sqrt(-x)", "cannot be computed"),
        ("(-x) ** 0.5", "finite number"),
        ("x * 1e308 * 10", "finite number"),
        ("v + 1", "a vector cannot be used in arithmetic"),
        ("x[0]", "is a number, not a vector"),
        ("v[3]", "outside its 3 values"),
        ("mean(x)", "takes a drawn vector"),
        ("sqrt(v)", "takes numbers, not a vector"),
        ("sqrt", "is a function"),
        ("(" * 300 + "x" + ")" * 300, "formula"),
    ],
)
def test_a_bad_formula_is_refused_with_a_clear_message(formula, message):
    with pytest.raises(FormulaError, match=None) as refused:
        evaluate_formula(formula, {"x": 3.0, "v": [1.0, 2.0, 3.0]})
    assert message in str(refused.value)


def test_a_formula_is_checked_against_the_param_names():
    parse_formula("a + b", ["a", "b"])
    with pytest.raises(FormulaError, match="unknown name 'c'"):
        parse_formula("a + c", ["a", "b"])
