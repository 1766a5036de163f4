"""An author's coding problem, declared: the statement, one function and its parameters, the
author's NumPy reference, and the cases as generators (shapes, dtypes, distributions, seeds,
literal edge values, scalar parameters), checked strictly and turned into `Case`s.

Nothing here runs the author's code: `build` runs it in the sandbox. The spec is plain data
(YAML or JSON), so every field is checked for its type, range and size before anything is
allocated; every refusal is an :class:`AuthoredSpecError` listing all that is wrong.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.engine.authored.mutants import parse_equivalent
from grader.engine.problems.base import TOLERANCES, Case, arr, call, tup, val

MAX_SOURCE_CHARS = 20_000
MAX_TEXT_CHARS = 20_000
MAX_CASES = 40
MAX_PARAMS = 12
MAX_OUTPUTS = 4
MAX_NDIM = 6
# Elements of one case's arrays together, and of the whole problem: the reference and every
# mutant run on all of them, and the expected values are stored.
MAX_CASE_ELEMENTS = 200_000
MAX_TOTAL_ELEMENTS = 1_000_000
MAX_LITERAL_ELEMENTS = 10_000
DTYPES = ("float32", "float64")
DISTRIBUTIONS = ("normal", "uniform")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,59}")
_CASE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.,()=+-]{0,59}")
SPEC_FIELDS = {
    "function",
    "params",
    "outputs",
    "source",
    "title",
    "statement",
    "starter_code",
    "tolerances",
    "cases",
    "equivalent",
}
CASE_FIELDS = {"name", "public", "dtype", "seed", "weight", "inputs", "values"}
ARRAY_FIELDS = {"shape", "distribution", "loc", "scale", "low", "high", "fill", "values"}


class AuthoredSpecError(ValueError):
    """The spec cannot make a problem; ``errors`` says every reason, for the author."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


@dataclass(frozen=True)
class ArraySpec:
    shape: tuple[int, ...]
    distribution: str = "normal"
    loc: float = 0.0
    scale: float = 1.0
    low: float = 0.0
    high: float = 1.0
    fill: float | None = None
    values: tuple | None = None  # a literal nested list

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class CaseSpec:
    name: str
    public: bool
    dtype: str
    seed: int
    weight: float
    inputs: dict[str, ArraySpec]
    values: dict[str, Any]


@dataclass(frozen=True)
class AuthoredSpec:
    function: str
    params: tuple[str, ...]
    outputs: tuple[str, ...]
    source: str
    title: str
    statement: str
    starter_code: str
    tolerances: dict[str, tuple[float, float]]
    cases: tuple[CaseSpec, ...]
    equivalent: Mapping[str, str]  # surviving mutants the author waives, with why

    def build_cases(self) -> list[Case]:
        """The cases, public ones first, each from its own seed (the same every time)."""
        ordered = sorted(self.cases, key=lambda c: not c.public)
        return [self._case(c) for c in ordered]

    def _case(self, spec: CaseSpec) -> Case:
        rng = np.random.default_rng(spec.seed)
        inputs = {name: _make_array(a, spec.dtype, rng) for name, a in spec.inputs.items()}
        args = []
        for param in self.params:
            if param in spec.inputs:
                args.append(arr(param))
            else:
                value = spec.values[param]
                args.append(tup(tuple(value)) if isinstance(value, list) else val(value))
        returns = self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)
        return Case(
            name=spec.name,
            dtype=spec.dtype,
            inputs=inputs,
            calls=[call(self.function, *args, returns=returns)],
            outputs=self.outputs,
            params=dict(spec.values),
            public=spec.public,
            weight=spec.weight,
            tolerances=self.tolerances[spec.dtype],
        )


def _make_array(spec: ArraySpec, dtype: str, rng: np.random.Generator) -> np.ndarray:
    if spec.values is not None:
        return np.array(spec.values, dtype=dtype)
    if spec.fill is not None:
        return np.full(spec.shape, spec.fill, dtype=dtype)
    if spec.distribution == "uniform":
        return rng.uniform(spec.low, spec.high, spec.shape).astype(dtype)
    return (spec.loc + spec.scale * rng.standard_normal(spec.shape)).astype(dtype)


def default_starter(function: str, params: tuple[str, ...]) -> str:
    return (
        f"import numpy as np\n\n\ndef {function}({', '.join(params)}):\n"
        "    raise NotImplementedError\n"
    )


def parse_spec(raw: Any) -> AuthoredSpec:
    """The checked spec, or :class:`AuthoredSpecError` with every problem found."""
    errors: list[str] = []
    if not isinstance(raw, Mapping):
        raise AuthoredSpecError(["'reference' must be a mapping (function, params, source, ...)."])
    unknown = sorted(str(k) for k in set(raw) - SPEC_FIELDS)
    if unknown:
        errors.append(f"unknown field(s) in 'reference': {', '.join(unknown)[:200]}")
    function = _identifier(raw.get("function"), "'function'", errors)
    params = _names(raw.get("params"), "'params'", MAX_PARAMS, errors)
    outputs = _names(raw.get("outputs", ["out"]), "'outputs'", MAX_OUTPUTS, errors)
    source = _text(raw.get("source"), "'source'", MAX_SOURCE_CHARS, errors)
    title = _text(raw.get("title"), "'title'", 120, errors)
    statement = _text(raw.get("statement"), "'statement'", MAX_TEXT_CHARS, errors)
    starter = raw.get("starter_code")
    if starter is not None:
        starter = _text(starter, "'starter_code'", MAX_SOURCE_CHARS, errors)
    if source and function:
        _check_source(source, function, params or (), errors)
    tolerances = _tolerances(raw.get("tolerances", {}), errors)
    cases = _cases(raw.get("cases"), params or (), errors)
    equivalent = parse_equivalent(raw.get("equivalent"), errors)
    if errors:
        raise AuthoredSpecError(errors)
    return AuthoredSpec(
        function=function,
        params=params,
        outputs=outputs,
        source=source,
        title=title,
        statement=statement,
        starter_code=starter or default_starter(function, params),
        tolerances=tolerances,
        cases=cases,
        equivalent=equivalent,
    )


def _identifier(value: Any, what: str, errors: list[str]) -> str:
    if (
        not isinstance(value, str)
        or not _NAME.fullmatch(value)
        or keyword.iskeyword(value)
        or value.startswith("__")
    ):
        errors.append(
            f"{what} must be a Python name (letters, digits, _; at most 60), got {_shown(value)}"
        )
        return ""
    return value


def _names(value: Any, what: str, limit: int, errors: list[str]) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not 1 <= len(value) <= limit:
        errors.append(f"{what} must be a list of 1 to {limit} names")
        return None
    found = []
    for item in value:
        name = _identifier(item, what, errors)
        if name and name in found:
            errors.append(f"{what} names {name!r} twice")
        found.append(name)
    return tuple(found) if all(found) and len(set(found)) == len(found) else None


def _text(value: Any, what: str, limit: int, errors: list[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{what} must be text")
        return ""
    if len(value) > limit:
        errors.append(f"{what} is {len(value)} characters, over the limit of {limit}")
        return ""
    if "\x00" in value:
        errors.append(f"{what} contains a NUL character")
        return ""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        errors.append(f"{what} contains an invalid character (a lone surrogate)")
        return ""
    return value


def _check_source(source: str, function: str, params: tuple[str, ...], errors: list[str]) -> None:
    """The source parses and defines the function at the top level with these parameters;
    what it does when it runs is the sandbox's business."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        where = f"line {exc.lineno}: " if getattr(exc, "lineno", None) else ""
        errors.append(f"'source' does not compile: {where}{getattr(exc, 'msg', exc)}"[:300])
        return
    defined = [
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == function
    ]
    if not defined:
        errors.append(f"'source' does not define the function {function}() at the top level")
        return
    args = defined[-1].args
    names = tuple(a.arg for a in [*args.posonlyargs, *args.args])
    if params and names != params:
        errors.append(
            f"{function}() takes ({', '.join(names)}) but 'params' says ({', '.join(params)})"
        )


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _tolerances(value: Any, errors: list[str]) -> dict[str, tuple[float, float]]:
    chosen = {dtype: TOLERANCES[dtype] for dtype in DTYPES}
    if not isinstance(value, Mapping):
        errors.append("'tolerances' must map a dtype to [rtol, atol]")
        return chosen
    for dtype, pair in value.items():
        if dtype not in DTYPES:
            errors.append(f"'tolerances': unknown dtype {_shown(dtype)} (use {', '.join(DTYPES)})")
            continue
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(_finite(x) and 0 <= x < 1 for x in pair)
        ):
            errors.append(
                f"'tolerances.{dtype}' must be [rtol, atol], two finite numbers in [0, 1)"
            )
            continue
        # A tolerance looser than ten times the bank's lets wrong code through.
        if any(x > 10 * max(b, 1e-12) for x, b in zip(pair, TOLERANCES[dtype], strict=True)):
            errors.append(f"'tolerances.{dtype}' is over ten times the bank's {TOLERANCES[dtype]}")
            continue
        chosen[dtype] = (float(pair[0]), float(pair[1]))
    return chosen


def _cases(value: Any, params: tuple[str, ...], errors: list[str]) -> tuple[CaseSpec, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_CASES:
        errors.append(f"'cases' must be a list of 1 to {MAX_CASES} cases")
        return ()
    cases, total = [], 0
    for number, raw in enumerate(value, start=1):
        found: list[str] = []
        case = _case(raw, params, found)
        errors += [f"case {number}: {problem}" for problem in found]
        if case is not None:
            cases.append(case)
            total += sum(a.size for a in case.inputs.values())
    names = [c.name for c in cases]
    for name in sorted({n for n in names if names.count(n) > 1}):
        errors.append(f"two cases are named {name!r}")
    if total > MAX_TOTAL_ELEMENTS:
        errors.append(f"the cases hold {total} array elements, over the limit {MAX_TOTAL_ELEMENTS}")
    if cases and len(cases) == len(value) and all(c.public for c in cases):
        errors.append("every case is public: add hidden cases (they decide the score)")
    return tuple(cases)


def _case(raw: Any, params: tuple[str, ...], errors: list[str]) -> CaseSpec | None:
    if not isinstance(raw, Mapping):
        errors.append("a case is a mapping (name, inputs, values, ...)")
        return None
    unknown = sorted(str(k) for k in set(raw) - CASE_FIELDS)
    if unknown:
        errors.append(f"unknown field(s): {', '.join(unknown)[:200]}")
    name = raw.get("name")
    if not isinstance(name, str) or not _CASE_NAME.fullmatch(name):
        errors.append(
            f"'name' must be 1-60 letters, digits, spaces or ()=+-_.,: got {_shown(name)}"
        )
        name = None
    public = raw.get("public", False)
    if not isinstance(public, bool):
        errors.append("'public' must be true or false")
    dtype = raw.get("dtype", "float32")
    if dtype not in DTYPES:
        errors.append(f"'dtype' must be one of {', '.join(DTYPES)}, got {_shown(dtype)}")
    seed = raw.get("seed", zlib.crc32(name.encode()) if name else 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        errors.append("'seed' must be an integer from 0 to 2**32 - 1")
    weight = raw.get("weight", 1.0)
    if not _finite(weight) or not 0 < weight <= 10:
        errors.append("'weight' must be a number in (0, 10]")
    inputs = raw.get("inputs", {})
    values = raw.get("values", {})
    if not isinstance(inputs, Mapping) or not isinstance(values, Mapping):
        errors.append("'inputs' and 'values' must be mappings from a parameter to its value")
        return None
    arrays = {}
    for param, spec in inputs.items():
        if param not in params:
            errors.append(f"'inputs' names {_shown(param)}, not a parameter")
            continue
        made = _array(spec, f"inputs.{param}", errors)
        if made is not None:
            arrays[param] = made
    for param, value in values.items():
        if param not in params:
            errors.append(f"'values' names {_shown(param)}, not a parameter")
        elif param in inputs:
            errors.append(f"{param!r} is both an input array and a value")
        elif isinstance(value, str) and _looks_numeric(value):
            errors.append(
                f"'values.{param}' is the text {value!r}: YAML reads 1e-5 as text, write "
                "1.0e-5 for a number"
            )
        elif not _scalar(value):
            errors.append(
                f"'values.{param}' must be a finite number, true/false, null, short text or "
                "a list of up to 8 integers"
            )
    missing = [p for p in params if p not in inputs and p not in values]
    if missing:
        errors.append(f"no input or value for {', '.join(missing)}")
    if sum(a.size for a in arrays.values()) > MAX_CASE_ELEMENTS:
        errors.append(f"the arrays hold over {MAX_CASE_ELEMENTS} elements")
    if errors or name is None:
        return None
    return CaseSpec(name, public, dtype, seed, float(weight), arrays, dict(values))


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _scalar(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, str):
        return len(value) <= 100 and "\x00" not in value
    if isinstance(value, list):
        return len(value) <= 8 and all(
            isinstance(x, int) and not isinstance(x, bool) and abs(x) < 2**31 for x in value
        )
    if isinstance(value, int):
        return abs(value) < 2**53
    return _finite(value)


def _array(raw: Any, what: str, errors: list[str]) -> ArraySpec | None:
    if not isinstance(raw, Mapping):
        errors.append(f"'{what}' must be a mapping (shape and distribution, fill, or values)")
        return None
    unknown = sorted(str(k) for k in set(raw) - ARRAY_FIELDS)
    if unknown:
        errors.append(f"'{what}': unknown field(s) {', '.join(unknown)[:200]}")
        return None
    if "values" in raw:
        return _literal(raw, what, errors)
    shape = raw.get("shape")
    if (
        not isinstance(shape, list)
        or not 1 <= len(shape) <= MAX_NDIM
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape)
    ):
        errors.append(f"'{what}.shape' must be a list of 1 to {MAX_NDIM} positive integers")
        return None
    if any(n > MAX_CASE_ELEMENTS for n in shape) or math.prod(shape) > MAX_CASE_ELEMENTS:
        errors.append(f"'{what}.shape' {shape} is over {MAX_CASE_ELEMENTS} elements")
        return None
    numbers = {k: raw[k] for k in ("loc", "scale", "low", "high", "fill") if k in raw}
    bad = [k for k, v in numbers.items() if not _finite(v) or abs(v) > 1e30]
    if bad:
        errors.append(f"'{what}.{bad[0]}' must be a finite number")
        return None
    distribution = raw.get("distribution", "normal")
    if distribution not in DISTRIBUTIONS:
        errors.append(
            f"'{what}.distribution' must be one of {', '.join(DISTRIBUTIONS)}, "
            f"got {_shown(distribution)}"
        )
        return None
    fill = numbers.get("fill")
    spec = ArraySpec(
        tuple(shape),
        distribution,
        loc=float(numbers.get("loc", 0.0)),
        scale=float(numbers.get("scale", 1.0)),
        low=float(numbers.get("low", 0.0)),
        high=float(numbers.get("high", 1.0)),
        fill=None if fill is None else float(fill),
    )
    if spec.distribution == "uniform" and not spec.low < spec.high:
        errors.append(f"'{what}': 'low' must be below 'high'")
        return None
    return spec


def _literal(raw: Mapping, what: str, errors: list[str]) -> ArraySpec | None:
    if set(raw) != {"values"}:
        errors.append(f"'{what}': literal 'values' go alone (no shape or distribution)")
        return None
    count = [0]

    def numbers_only(x: Any, depth: int) -> bool:
        if depth > MAX_NDIM:
            return False
        if isinstance(x, list):
            return bool(x) and all(numbers_only(y, depth + 1) for y in x)
        count[0] += 1
        return count[0] <= MAX_LITERAL_ELEMENTS and _finite(x) and abs(x) < 1e30

    values = raw["values"]
    if not isinstance(values, list) or not numbers_only(values, 1):
        errors.append(
            f"'{what}.values' must be a nested list of finite numbers (at most "
            f"{MAX_LITERAL_ELEMENTS}, {MAX_NDIM} levels)"
        )
        return None
    try:
        array = np.array(values, dtype=np.float64)
    except ValueError:
        array = None
    if array is None or array.dtype != np.float64 or array.ndim == 0:
        errors.append(f"'{what}.values' must be rectangular (every row the same length)")
        return None
    return ArraySpec(tuple(array.shape), values=_freeze(values))


def _freeze(values: Any) -> Any:
    return tuple(_freeze(v) for v in values) if isinstance(values, list) else values


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "..."
