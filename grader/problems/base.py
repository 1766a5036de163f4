"""What a problem is: its text, its test cases and how the reference answers them."""

from __future__ import annotations

import threading
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

# Tolerances of PROBLEMS.md: |got - ref| <= atol * max(1, max|ref|) + rtol * |ref|.
TOLERANCES: dict[str, tuple[float, float]] = {
    "float32": (1e-4, 1e-5),
    "float64": (1e-7, 1e-9),
}

Impl = Any  # an object with normcore's functions as attributes (or mistakes in their place)


def arr(name: str, *, mutable: bool = False) -> dict:
    """Argument spec: the input array ``name`` (its own copy for this case)."""
    return {"array": name, "mutable": mutable}


def val(value: Any) -> dict:
    """Argument spec: a JSON value (float, int, bool, str, None)."""
    return {"value": value}


def tup(values: tuple[int, ...]) -> dict:
    return {"tuple": list(values)}


def res(name: str) -> dict:
    """Argument spec: a value an earlier call of the same case returned (e.g. a cache)."""
    return {"result": name}


def item(owner: str, key: str) -> dict:
    """Argument spec: ``owner[key]`` of a dict argument bound earlier in the case."""
    return {"item": [owner, key]}


def dict_arg(bind: str, entries: Mapping[str, dict]) -> dict:
    return {"dict": dict(entries), "bind": bind}


def call(fn: str, *args: dict, returns: str | list[str], **kwargs: dict) -> dict:
    return {"fn": fn, "args": list(args), "kwargs": kwargs, "returns": returns}


@dataclass(eq=False)
class Case:
    """One test: the calls made in the sandbox, the inputs, and what is checked."""

    name: str
    dtype: str
    inputs: dict[str, np.ndarray]
    calls: list[dict]
    outputs: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)
    captures: dict[str, tuple[str, str]] = field(default_factory=dict)
    int_outputs: tuple[str, ...] = ()
    expect_error: bool = False
    public: bool = False

    @property
    def tolerance(self) -> tuple[float, float]:
        return TOLERANCES[self.dtype]

    @property
    def frozen_inputs(self) -> tuple[str, ...]:
        """Inputs the candidate must not modify (dict entries they may update are exempt)."""
        mutable: set[str] = set()

        def visit(spec: dict) -> None:
            if spec.get("mutable"):
                mutable.add(spec["array"])
            for sub in spec.get("dict", {}).values():
                visit(sub)

        for c in self.calls:
            for spec in [*c["args"], *c["kwargs"].values()]:
                visit(spec)
        return tuple(name for name in self.inputs if name not in mutable)

    def job_spec(self) -> dict:
        return {
            "calls": self.calls,
            "outputs": [] if self.expect_error else list(self.outputs),
            "captures": {k: list(v) for k, v in self.captures.items()},
            "int_outputs": list(self.int_outputs),
        }


@dataclass(eq=False)
class Problem:
    """A coding problem: text for the candidate, cases, and the reference via normcore."""

    slug: str
    title: str
    level: str
    function_names: tuple[str, ...]
    # normcore functions the reference calls; the diagnosis swaps in their mistakes.
    uses: tuple[str, ...]
    statement: str
    starter_code: str
    build_cases: Callable[[], list[Case]] = field(repr=False)
    solve: Callable[[Case, Impl], dict[str, np.ndarray]] = field(repr=False)
    _cases: list[Case] | None = field(default=None, repr=False)
    _expected: dict[int, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def cases(self, *, public_only: bool = False) -> list[Case]:
        """The test cases (built once from fixed seeds; public ones first)."""
        with self._lock:
            if self._cases is None:
                self._cases = self.build_cases()
        return [c for c in self._cases if c.public] if public_only else list(self._cases)

    def expected(self, case: Case) -> dict[str, np.ndarray]:
        """normcore's answer for ``case``, computed once per process and cached."""
        key = id(case)
        with self._lock:
            cached = self._expected.get(key)
        if cached is None:
            cached = self.solve(case, reference_impl(self.uses))
            for name in case.outputs:
                cached[name] = np.asarray(cached[name])
            with self._lock:
                self._expected.setdefault(key, cached)
        return cached

    def summary(self) -> dict:
        return {"slug": self.slug, "title": self.title, "level": self.level,
                "functions": list(self.function_names)}


def reference_impl(uses: tuple[str, ...], **overrides: Callable) -> Impl:
    """A namespace of normcore's functions named in ``uses``, some possibly replaced."""
    import normcore

    functions = {name: getattr(normcore, name) for name in uses}
    functions["moments"] = normcore.moments
    functions.update(overrides)
    return types.SimpleNamespace(**functions)


_COMMON: str | None = None


def load_text(slug: str) -> tuple[str, str, str]:
    """(title, statement, starter code) from the package data of ``slug``."""
    global _COMMON
    base = resources.files("grader.problems")
    if _COMMON is None:
        _COMMON = (base / "statements" / "_common.md").read_text(encoding="utf-8")
    statement = (base / "statements" / f"{slug}.md").read_text(encoding="utf-8")
    starter = (base / "starters" / f"{slug}.py.txt").read_text(encoding="utf-8")
    title = statement.splitlines()[0].lstrip("# ").strip()
    return title, statement.rstrip() + "\n" + _COMMON, starter
