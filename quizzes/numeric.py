"""Numeric question templates: values drawn per candidate, answers computed by normcore.

A template's `params` say how each value is drawn; `answer.quantity` names a function in
`quizzes.quantities` that is called with the drawn values, or `answer.formula` is an
arithmetic formula of them (`quizzes.formula`, evaluated without `eval`). The same seed always gives
the same values, so an attempt only stores its seed.
"""

import inspect
import math
import random
from collections.abc import Mapping
from typing import Any

PARAM_KINDS = ("uniform", "integer", "choice", "vector")
MAX_VECTOR_SIZE = 64


class TemplateError(ValueError):
    """A numeric template is malformed (bad param spec, unknown quantity, bad prompt)."""


def quantity_function(name: str):
    """The `quizzes.quantities` function called `name`, or `TemplateError`."""
    if not isinstance(name, str) or name.startswith("_"):
        raise TemplateError(f"quantity must be a public name in quizzes.quantities, got {name!r}")
    from quizzes import quantities  # each answer function computes with normcore

    func = getattr(quantities, name, None)
    if func is None or not callable(func):
        raise TemplateError(f"unknown quantity {name!r}: no such function in quizzes.quantities")
    return func


def quantity_parameter_names(name: str) -> set[str]:
    return set(inspect.signature(quantity_function(name)).parameters)


def _draw_one(name: str, spec: Mapping, rng: random.Random) -> Any:
    if "uniform" in spec:
        low, high = spec["uniform"]
        return round(rng.uniform(low, high), int(spec.get("decimals", 2)))
    if "integer" in spec:
        low, high = spec["integer"]
        return rng.randint(low, high)
    if "choice" in spec:
        return rng.choice(list(spec["choice"]))
    if "vector" in spec:
        inner = spec["vector"]
        low, high = inner["uniform"]
        decimals = int(inner.get("decimals", 2))
        return [round(rng.uniform(low, high), decimals) for _ in range(int(inner["size"]))]
    raise TemplateError(f"param {name!r}: no way to draw it (use one of {', '.join(PARAM_KINDS)})")


def draw_values(params: Mapping[str, Mapping], seed: int) -> dict[str, Any]:
    """Draw every param of a template from `seed`; the same seed gives the same values."""
    rng = random.Random(seed)
    return {name: _draw_one(name, spec, rng) for name, spec in params.items()}


def _format_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    if isinstance(value, float):
        value += 0.0  # a drawn -0.0 is shown as 0.0
        return repr(value) if abs(value) >= 1e-4 or value == 0 else f"{value:g}"
    return str(value)


def render_prompt(template: str, values: Mapping[str, Any]) -> str:
    """Fill a prompt's `{name}` placeholders with drawn values."""
    try:
        return template.format(**{name: _format_value(v) for name, v in values.items()})
    except (KeyError, IndexError, ValueError) as exc:
        raise TemplateError(f"prompt placeholder problem: {exc!r}") from None


def compute_answer(quantity: str, values: Mapping[str, Any]) -> float:
    """The reference answer for drawn values, from `quizzes.quantities`."""
    result = float(quantity_function(quantity)(**values))
    if not math.isfinite(result):
        raise TemplateError(f"quantity {quantity!r} gave a non-finite answer for {dict(values)}")
    return result


def answer_value(answer: Mapping[str, str], values: Mapping[str, Any]) -> float:
    """The reference answer of a template's `answer` ({quantity: NAME} or {formula: TEXT})."""
    if "formula" in answer:
        from .formula import FormulaError, evaluate_formula

        try:
            return evaluate_formula(answer["formula"], values)
        except FormulaError as exc:
            raise TemplateError(str(exc)) from None
    return compute_answer(answer["quantity"], values)


def within_tolerance(given: float, answer: float, tolerance: Mapping[str, float]) -> bool:
    """|given - answer| <= abs + rel * |answer|."""
    allowed = float(tolerance.get("abs", 0.0)) + float(tolerance.get("rel", 0.0)) * abs(answer)
    return math.isfinite(given) and abs(given - answer) <= allowed


def validate_param_spec(name: str, spec: Any) -> str | None:
    """A message saying what is wrong with one param spec, or None when it is fine."""
    if not isinstance(spec, Mapping):
        return f"param {name!r} must be a mapping like {{uniform: [0, 1], decimals: 2}}"
    kinds = [k for k in PARAM_KINDS if k in spec]
    if len(kinds) != 1:
        return f"param {name!r} needs exactly one of {', '.join(PARAM_KINDS)}"
    kind = kinds[0]
    allowed_keys = {kind, "decimals"} if kind == "uniform" else {kind}
    extra = set(spec) - allowed_keys
    if extra:
        return f"param {name!r}: unknown keys {sorted(extra)}"
    if kind == "uniform":
        return _check_range(name, spec["uniform"], float) or _check_decimals(name, spec)
    if kind == "integer":
        return _check_range(name, spec["integer"], int)
    if kind == "choice":
        values = spec["choice"]
        if not isinstance(values, list) or not values:
            return f"param {name!r}: choice must be a non-empty list"
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return f"param {name!r}: choice values must be numbers"
        return None
    inner = spec["vector"]
    if not isinstance(inner, Mapping) or "size" not in inner or "uniform" not in inner:
        return f"param {name!r}: vector needs size and uniform"
    if set(inner) - {"size", "uniform", "decimals"}:
        return f"param {name!r}: unknown vector keys {sorted(set(inner) - {'size', 'uniform', 'decimals'})}"
    size = inner["size"]
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_VECTOR_SIZE:
        return f"param {name!r}: vector size must be an integer from 1 to {MAX_VECTOR_SIZE}"
    return _check_range(name, inner["uniform"], float) or _check_decimals(name, inner)


def _check_range(name: str, bounds: Any, kind: type) -> str | None:
    number_types = (int,) if kind is int else (int, float)
    if (
        not isinstance(bounds, list)
        or len(bounds) != 2
        or not all(isinstance(b, number_types) and not isinstance(b, bool) for b in bounds)
    ):
        return f"param {name!r}: range must be a list [low, high] of {kind.__name__}s"
    if bounds[0] > bounds[1]:
        return f"param {name!r}: range low {bounds[0]} is above high {bounds[1]}"
    return None


def _check_decimals(name: str, spec: Mapping) -> str | None:
    decimals = spec.get("decimals", 2)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 8:
        return f"param {name!r}: decimals must be an integer from 0 to 8"
    return None
