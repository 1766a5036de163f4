"""A numeric question's answer written as an arithmetic formula of its drawn values.

Authors outside the team write answers as formulas (`(x - mean) / sqrt(var + eps)`), so the
formula is parsed with `ast` and only a whitelist is evaluated: numbers, the drawn names,
`+ - * / ** %`, unary signs, indexing a drawn vector with a whole number, and the functions
in `FUNCTIONS`. Nothing is passed to `eval`; anything else is refused with a message that
names it.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

MAX_FORMULA_CHARS = 500
# |exponent| above this is refused: 10 ** 1e9 would only overflow, slowly for integers.
MAX_EXPONENT = 1000


class FormulaError(ValueError):
    """The formula cannot be read or evaluated; the message says why, for the author."""


def _vector(name: str, value: Any) -> list[float]:
    if not isinstance(value, list) or not value:
        raise FormulaError(f"{name}() takes a drawn vector")
    return [float(v) for v in value]


def _mean(values: Sequence[float]) -> float:
    values = _vector("mean", values)
    return sum(values) / len(values)


def _var(values: Sequence[float]) -> float:
    """The biased variance (divide by n), as normalization layers use it."""
    values = _vector("var", values)
    mu = sum(values) / len(values)
    return sum((v - mu) ** 2 for v in values) / len(values)


def _scalar(func: Callable[..., float]) -> Callable[..., float]:
    def call(*args: Any) -> float:
        if any(isinstance(a, list) for a in args):
            raise FormulaError(f"{func.__name__}() takes numbers, not a vector")
        return func(*(float(a) for a in args))

    call.__name__ = func.__name__
    return call


FUNCTIONS: dict[str, tuple[Callable[..., float], int | None]] = {
    # name: (function, number of arguments; None for one or more)
    "sqrt": (_scalar(math.sqrt), 1),
    "exp": (_scalar(math.exp), 1),
    "log": (_scalar(math.log), 1),
    "abs": (_scalar(abs), 1),
    "tanh": (_scalar(math.tanh), 1),
    "min": (_scalar(min), None),
    "max": (_scalar(max), None),
    "mean": (_mean, 1),
    "var": (_var, 1),
    "sum": (lambda v: sum(_vector("sum", v)), 1),
    "len": (lambda v: float(len(_vector("len", v))), 1),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
_OPERATORS: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Mod: lambda a, b: a % b,
    ast.Pow: lambda a, b: a**b,
}


def parse_formula(text: Any, names: Sequence[str]) -> ast.Expression:
    """The formula's syntax tree, checked against the whitelist and the drawn `names`."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("the formula must be non-empty text")
    if len(text) > MAX_FORMULA_CHARS:
        raise FormulaError(f"the formula is over {MAX_FORMULA_CHARS} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError) as exc:
        where = f" at column {exc.offset}" if getattr(exc, "offset", None) else ""
        raise FormulaError(f"the formula is not valid arithmetic{where}") from None
    except RecursionError:
        raise FormulaError("the formula is nested too deeply") from None
    known = set(names) | set(CONSTANTS)
    for node in ast.walk(tree):
        _check_node(node, known)
    return tree


def _check_node(node: ast.AST, known: set[str]) -> None:
    if isinstance(node, ast.Expression | ast.Load | ast.operator | ast.unaryop):
        if isinstance(node, ast.operator) and type(node) not in _OPERATORS:
            raise FormulaError(f"the operator {type(node).__name__} is not allowed")
        if isinstance(node, ast.unaryop) and not isinstance(node, ast.UAdd | ast.USub):
            raise FormulaError(f"the operator {type(node).__name__} is not allowed")
        return
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise FormulaError(f"only numbers may be written in a formula, not {node.value!r}")
        return
    if isinstance(node, ast.Name):
        if node.id not in known and node.id not in FUNCTIONS:
            raise FormulaError(f"unknown name {node.id!r} (use the params: {sorted(known)})")
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise FormulaError(f"only these functions may be called: {', '.join(FUNCTIONS)}")
        if node.keywords:
            raise FormulaError(f"{node.func.id}() takes no keyword arguments")
        arity = FUNCTIONS[node.func.id][1]
        if (arity is not None and len(node.args) != arity) or not node.args:
            raise FormulaError(f"{node.func.id}() takes {arity or 'one or more'} argument(s)")
        return
    if isinstance(node, ast.Subscript):
        if not isinstance(node.value, ast.Name) or _index_of(node.slice) is None:
            raise FormulaError("index a drawn vector with a whole number only, like x[0]")
        return
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula")


def _index_of(node: ast.AST) -> int | None:
    """A whole-number index written as `3` or `-1`; None for anything else."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        sign, node = -1, node.operand
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return sign * node.value
    return None


def _evaluate(node: ast.AST, values: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, values)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id in values:
            value = values[node.id]
            return value if isinstance(value, list) else float(value)
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise FormulaError(f"{node.id} is a function: call it, like {node.id}(x)")
    if isinstance(node, ast.UnaryOp):
        operand = _number(_evaluate(node.operand, values))
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left = _number(_evaluate(node.left, values))
        right = _number(_evaluate(node.right, values))
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise FormulaError(f"an exponent above {MAX_EXPONENT} is not allowed")
        return _OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.Call):
        func = FUNCTIONS[node.func.id][0]
        return func(*(_evaluate(arg, values) for arg in node.args))
    if isinstance(node, ast.Subscript):
        vector = _evaluate(node.value, values)
        if not isinstance(vector, list):
            raise FormulaError(f"{node.value.id} is a number, not a vector: it has no [index]")
        index = _index_of(node.slice)
        if not -len(vector) <= index < len(vector):
            raise FormulaError(f"{node.value.id}[{index}] is outside its {len(vector)} values")
        return float(vector[index])
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula")


def _number(value: Any) -> float:
    if isinstance(value, list):
        raise FormulaError("a vector cannot be used in arithmetic: index it or use mean()/sum()")
    return value


def evaluate_formula(text: str, values: Mapping[str, Any]) -> float:
    """The formula's value for these drawn values; `FormulaError` for a bad formula, a
    division by zero, a math domain error or a result that is not a finite number."""
    tree = parse_formula(text, list(values))
    try:
        result = _evaluate(tree, values)
    except ZeroDivisionError:
        raise FormulaError("the formula divides by zero for some drawn values") from None
    except OverflowError:
        raise FormulaError("the formula overflows for some drawn values") from None
    except (ValueError, TypeError) as exc:
        if isinstance(exc, FormulaError):
            raise
        raise FormulaError(f"the formula cannot be computed for some drawn values: {exc}") from None
    result = _number(result)
    if isinstance(result, complex) or not math.isfinite(result):
        raise FormulaError("the formula does not give a finite number for some drawn values")
    return float(result)


def formula_names(text: str) -> set[str]:
    """The drawn names a (checked) formula reads."""
    tree = ast.parse(text.strip(), mode="eval")
    return {
        n.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and n.id not in FUNCTIONS and n.id not in CONSTANTS
    }
