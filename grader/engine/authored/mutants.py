"""Mutants of an author's reference: the diagnosis's kinds of mistakes (wrong axes, eps
misplaced, unbiased variance, a dropped term or factor, no centering, no square root), each
made by changing one node of the reference's syntax tree (`ast`, never text).

A mutant that the hidden cases cannot tell from the reference "survives": the tests are too
weak to catch a candidate who makes that mistake. Each mutant says what it changed, on which
line, and what kind of case would catch it.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MAX_MUTANTS = 40
# A mutant's id as the strength check names it: the change, then its line and column.
MUTANT_ID = re.compile(r"[a-z][a-z-]{0,30}-l\d{1,6}c\d{1,5}x{0,40}")
EQUIVALENT_REASON_CHARS = (10, 300)
_STATISTICS = {"mean", "var", "std", "sum", "max", "min", "average", "nanmean", "nanvar"}
_VARIANCE = {"var", "std", "nanvar", "nanstd"}


@dataclass(frozen=True)
class Mutant:
    slug: str  # stable within one reference: the operator and the node's place
    line: int
    description: str  # what the mutant does, completing "line N: ..."
    hint: str  # the kind of hidden case that would tell it apart
    source: str


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _keyword(node: ast.Call, name: str) -> ast.keyword | None:
    return next((k for k in node.keywords if k.arg == name), None)


def _literal(node: ast.AST) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return ...


# Each operator: (node) -> iterator of (tag, description, hint, replacement-maker). The maker
# edits a deep copy of the node in place, or returns a node to put in its place.
Change = tuple[str, str, str, Callable[[ast.AST], ast.AST | None]]


def _axis_changes(node: ast.AST) -> Iterator[Change]:
    if not isinstance(node, ast.Call):
        return
    axis = _keyword(node, "axis")
    if axis is None:
        return
    name = _call_name(node)
    value = _literal(axis.value)
    hint = "add a case whose statistics differ along the axes (no axis of length 1, unequal sizes)"

    def drop(n: ast.Call) -> None:
        n.keywords = [k for k in n.keywords if k.arg != "axis"]

    yield "axis-all", f"{name}() over every axis instead of axis={value!r}", hint, drop
    if isinstance(value, int) and not isinstance(value, bool):
        other = 0 if value != 0 else -1

        def move(n: ast.Call, other=other) -> None:
            _keyword(n, "axis").value = ast.Constant(other)

        yield "axis", f"{name}() with axis={other} instead of axis={value}", hint, move


def _keepdims_changes(node: ast.AST) -> Iterator[Change]:
    if not isinstance(node, ast.Call):
        return
    keepdims = _keyword(node, "keepdims")
    if keepdims is None or _literal(keepdims.value) is not True:
        return

    def flip(n: ast.Call) -> None:
        _keyword(n, "keepdims").value = ast.Constant(False)

    yield (
        "keepdims",
        f"{_call_name(node)}() with keepdims=False instead of keepdims=True",
        "add a case where the reduced axis is not the last one, or with a square shape",
        flip,
    )


def _ddof_changes(node: ast.AST) -> Iterator[Change]:
    if not isinstance(node, ast.Call) or _call_name(node) not in _VARIANCE:
        return
    ddof = _keyword(node, "ddof")
    current = 0 if ddof is None else _literal(ddof.value)
    if current not in (0, 1):
        return
    other = 1 - current

    def change(n: ast.Call, other=other) -> None:
        n.keywords = [k for k in n.keywords if k.arg != "ddof"]
        n.keywords.append(ast.keyword("ddof", ast.Constant(other)))

    word = "unbiased (divides by n - 1)" if other else "biased (divides by n)"
    yield (
        "ddof",
        f"{_call_name(node)}() {word}: ddof={other} instead of ddof={current}",
        "add a case with few elements per statistic (2 or 3) so n and n - 1 differ clearly",
        change,
    )


def _root_operand(node: ast.AST) -> ast.AST | None:
    """What a square root is taken of: ``sqrt(a)``, ``a ** 0.5`` or ``a ** -0.5``."""
    if isinstance(node, ast.Call) and _call_name(node) == "sqrt" and len(node.args) == 1:
        return node.args[0]
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Pow)
        and _literal(node.right) in (0.5, -0.5)
    ):
        return node.left
    return None


def _with_operand(node: ast.AST, operand: ast.AST) -> None:
    if isinstance(node, ast.Call):
        node.args = [operand]
    else:
        node.left = operand


def _sqrt_changes(node: ast.AST) -> Iterator[Change]:
    inner = _root_operand(node)
    if inner is None:
        return
    inverse = isinstance(node, ast.BinOp) and _literal(node.right) == -0.5

    def no_root(n: ast.AST) -> ast.AST:
        operand = _root_operand(n)
        return ast.BinOp(ast.Constant(1.0), ast.Div(), operand) if inverse else operand

    yield (
        "no-sqrt",
        "the square root left out",
        "add a case whose variance is far from 1 (scale the inputs)",
        no_root,
    )
    if not (isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Add)):
        return

    def outside(n: ast.AST) -> ast.AST:
        add = _root_operand(n)
        if inverse:  # (v + eps) ** -0.5 -> 1 / (v ** 0.5 + eps)
            root = ast.BinOp(add.left, ast.Pow(), ast.Constant(0.5))
            return ast.BinOp(ast.Constant(1.0), ast.Div(), ast.BinOp(root, ast.Add(), add.right))
        _with_operand(n, add.left)
        return ast.BinOp(n, ast.Add(), add.right)

    def dropped(n: ast.AST) -> None:
        _with_operand(n, _root_operand(n).left)

    hint = "add a case whose variance is near zero (all-equal values), or a large eps"
    term = ast.unparse(inner.right)[:40]
    yield "eps-outside", f"{term} added outside the square root instead of inside", hint, outside
    yield "eps-dropped", f"{term} left out of the square root", hint, dropped


def _squared(node: ast.AST) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return _literal(node.right) == 2
    return isinstance(node, ast.Call) and _call_name(node) == "square"


def _mean_of_squares_changes(node: ast.AST) -> Iterator[Change]:
    """A variance written by hand, the mean of squared deviations: divided by n - 1."""
    if not isinstance(node, ast.Call) or _call_name(node) != "mean":
        return
    func = node.func
    receiver = func.value if isinstance(func, ast.Attribute) and not node.args else None
    operand = node.args[0] if node.args else receiver
    if operand is None or not _squared(operand):
        return

    def unbiased(n: ast.Call) -> ast.AST:
        args = n.args[0] if n.args else n.func.value
        count = ast.BinOp(
            ast.Attribute(copy.deepcopy(args), "size", ast.Load()),
            ast.Div(),
            ast.Attribute(copy.deepcopy(n), "size", ast.Load()),
        )
        factor = ast.BinOp(
            count, ast.Div(), ast.BinOp(copy.deepcopy(count), ast.Sub(), ast.Constant(1))
        )
        return ast.BinOp(n, ast.Mult(), factor)

    yield (
        "ddof",
        "the mean of squares divided by n - 1 instead of n (unbiased variance)",
        "add a case with few elements per statistic (2 or 3) so n and n - 1 differ clearly",
        unbiased,
    )


def _term_changes(node: ast.AST) -> Iterator[Change]:
    if not isinstance(node, ast.BinOp):
        return
    right = ast.unparse(node.right)[:40]
    if isinstance(node.op, ast.Add | ast.Sub):
        sign = "+" if isinstance(node.op, ast.Add) else "-"
        if _is_mean(node.right) and sign == "-":
            yield (
                "no-centering",
                f"the mean not subtracted ({sign} {right} left out)",
                "add a case whose inputs have a mean far from zero (a large 'loc')",
                lambda n: n.left,
            )
        else:
            yield (
                "drop-term",
                f"the term {sign} {right} left out",
                f"give {right} values far from zero in a hidden case",
                lambda n: n.left,
            )
    elif isinstance(node.op, ast.Mult):
        hint = "give the factor values far from 1 in a hidden case"
        yield "drop-factor", f"the factor * {right} left out", hint, lambda n: n.left
    elif isinstance(node.op, ast.Div):
        yield (
            "drop-divisor",
            f"the division by {right} left out",
            f"make {right} far from 1 in a hidden case",
            lambda n: n.left,
        )


def _is_mean(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        return _call_name(node) in ("mean", "average", "nanmean")
    return isinstance(node, ast.Name) and ("mean" in node.id.lower() or node.id.lower() == "mu")


def _statistic_changes(node: ast.AST) -> Iterator[Change]:
    if not isinstance(node, ast.Call):
        return
    name = _call_name(node)
    swap = {"var": "std", "std": "var"}.get(name)
    if swap is None:
        return

    def change(n: ast.Call, swap=swap) -> None:
        if isinstance(n.func, ast.Attribute):
            n.func.attr = swap
        else:
            n.func.id = swap

    yield (
        "var-std",
        f"{swap}() where the reference takes {name}()",
        "add a case whose variance is far from 1",
        change,
    )


OPERATORS = (
    _axis_changes,
    _keepdims_changes,
    _ddof_changes,
    _mean_of_squares_changes,
    _sqrt_changes,
    _statistic_changes,
    _term_changes,
)


class _Replace(ast.NodeTransformer):
    def __init__(self, target: int, make: Callable[[ast.AST], ast.AST | None]):
        self.target, self.make, self.count = target, make, -1

    def generic_visit(self, node: ast.AST) -> ast.AST:
        self.count += 1
        if self.count == self.target:
            replacement = self.make(node)
            return node if replacement is None else replacement
        return super().generic_visit(node)


def _in_function(tree: ast.Module, function: str) -> set[int]:
    """The ids of the nodes inside the function's body (helpers it defines included):
    mutating the module's imports or constants is not a candidate's mistake."""
    inside = set()
    for top in tree.body:
        if isinstance(top, ast.FunctionDef) and top.name == function:
            for stmt in top.body:
                inside.update(id(n) for n in ast.walk(stmt))
    return inside


def make_mutants(source: str, function: str) -> list[Mutant]:
    """Every single-node mutant of ``source``'s ``function`` (at most ``MAX_MUTANTS``),
    distinct from the reference and from one another once unparsed."""
    tree = ast.parse(source)
    inside = _in_function(tree, function)
    original = ast.unparse(tree)
    seen = {original}
    found: list[Mutant] = []
    nodes = _walk_in_order(tree)
    for index, node in enumerate(nodes):
        if id(node) not in inside:
            continue
        for operator in OPERATORS:
            for tag, description, hint, make in operator(node):
                mutated = copy.deepcopy(tree)
                _Replace(index, make).visit(mutated)
                ast.fix_missing_locations(mutated)
                try:
                    text = ast.unparse(mutated)
                    compile(mutated, "<mutant>", "exec")
                except (ValueError, TypeError, SyntaxError, RecursionError):
                    continue
                if text in seen:
                    continue
                seen.add(text)
                line = getattr(node, "lineno", 0)
                slug = f"{tag}-l{line}c{getattr(node, 'col_offset', 0)}"
                while any(m.slug == slug for m in found):
                    slug += "x"
                found.append(Mutant(slug, line, description, hint, text))
                if len(found) >= MAX_MUTANTS:
                    return found
    return found


def _walk_in_order(tree: ast.AST) -> list[ast.AST]:
    """The nodes in the order `_Replace` counts them (depth first, parents before children)."""
    order: list[ast.AST] = []

    def visit(node: ast.AST) -> None:
        order.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return order


def parse_equivalent(value: Any, errors: list[str]) -> dict[str, str]:
    """The spec's `equivalent:`: mutants the author says no input the problem accepts can
    tell from the reference (e.g. `axis=1` for `axis=-1` when every input is 2-D by the
    contract), each with why, which whoever publishes reads. Mutant id -> the reason."""
    if value is None:
        return {}
    shape = (
        f"'equivalent' maps at most {MAX_MUTANTS} mutant ids (as the check names them, e.g. "
        "axis-l6c18) to why no input tells each apart from your reference"
    )
    if not isinstance(value, Mapping) or len(value) > MAX_MUTANTS:
        errors.append(shape)
        return {}
    low, high = EQUIVALENT_REASON_CHARS
    found = {}
    for key, reason in value.items():
        if not isinstance(key, str) or not MUTANT_ID.fullmatch(key):
            errors.append(f"{shape}; {str(key)[:60]!r} is not a mutant id")
        elif not isinstance(reason, str) or "\x00" in reason:
            errors.append(f"'equivalent': {key}: give the reason as text")
        elif not low <= len(" ".join(reason.split())) <= high:
            errors.append(f"'equivalent': {key}: say in {low} to {high} characters why")
        else:
            found[key] = " ".join(reason.split())
    return found
