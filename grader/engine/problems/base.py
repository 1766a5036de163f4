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
    # The kernel problems' half-precision cases (fp16 in, fp16 out, accumulated in fp32):
    # a few units in fp16's last place (2**-10 is about 1e-3).
    "float16": (2e-3, 2e-3),
}

Impl = Any  # an object with normcore's functions as attributes (or mistakes in their place)

# Where a problem is graded (docs/grader.md, "GPU"): any CPU worker; a GPU worker while one
# is alive, else a CPU worker (correctness only); or only a GPU worker (it waits).
CPU, GPU_PREFERRED, GPU_REQUIRED = "cpu", "gpu-preferred", "gpu-required"
PLACEMENTS = (CPU, GPU_PREFERRED, GPU_REQUIRED)


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
    # Large shapes run only on a real GPU (a CPU worker would spend seconds and gigabytes).
    gpu_only: bool = False
    # How much this case counts toward the score (core behaviour weighs more than edge cases).
    weight: float = 1.0
    # What is special about the case (``EPS_SENSITIVE``, ``WEIGHT_NONE``, ...): the diagnosis
    # reads them ("it fails only where eps matters", "it crashes only without a weight").
    tags: frozenset[str] = frozenset()
    # The named axes of each input array, e.g. {"x": ("N", "C", "S1"), "gamma": ("C",)}:
    # shrinking a failing case slices one named axis in every input that has it.
    axes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # (rtol, atol) for this case when its problem sets its own (an author's problem);
    # None: the bank's TOLERANCES for the dtype.
    tolerances: tuple[float, float] | None = None

    @property
    def tolerance(self) -> tuple[float, float]:
        return self.tolerances or TOLERANCES[self.dtype]

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
            # The job times the code only when every case behaved as its kind asks.
            "expect_error": self.expect_error,
        }


def cases_job(source: str, functions, cases) -> tuple[dict, dict]:
    """The sandbox job that runs ``functions`` of ``source`` on ``cases``: its header and its
    input arrays (named ``<case index>/<input name>``)."""
    header = {
        "source": source,
        "functions": list(functions),
        "cases": [case.job_spec() for case in cases],
    }
    arrays = {
        f"{i}/{name}": value for i, case in enumerate(cases) for name, value in case.inputs.items()
    }
    return header, arrays


# Case tags (``Case.tags``).
EPS_SENSITIVE = "eps-sensitive"  # a variance near zero: how eps enters decides the answer
LARGE_MEANS = "large-means"  # means far from zero relative to the spread
WEIGHT_NONE = "weight-none"
BIAS_NONE = "bias-none"
INT_SHAPE = "int-normalized-shape"
CONV = "conv"  # bn-fold: a convolution's weight, (C_out, C_in, *K)
EMPTY_FIRST_SHARD = "empty-first-shard"
DEFAULTS = "defaults"  # optional arguments left out (cs231n: bn_param without entries)
EXPLICIT_EPS = "explicit-eps"  # eps passed explicitly (not the default)
EVAL = "eval"


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
    placement: str = CPU
    # "numpy": the candidate gets NumPy arrays; "torch": torch tensors on the grading device.
    runtime: str = "numpy"
    # Names the candidate's file must not use (checked statically and made to raise in the
    # sandbox): e.g. the library batch norm a from-scratch problem asks to write.
    forbidden: tuple[str, ...] = ()
    # How the sandbox times the candidate against the library on a GPU (gpu_timing.py).
    timing: dict | None = None
    # A Triton kernel problem: without a GPU, a CPU worker that has Triton grades its
    # correctness through Triton's interpreter (TRITON_INTERPRET=1), never its speed.
    interpreter: bool = False
    build_gpu_cases: Callable[[], list[Case]] | None = field(default=None, repr=False)
    # Mistakes of the problem's own interface (e.g. the course's momentum convention), beside
    # normcore's catalog: ``normcore.mistakes.Mistake`` whose ``fn(case, nc)`` replaces ``solve``.
    mistakes: tuple = ()
    # Rebuild a case for smaller inputs (shrinking): fixes the arguments that depend on the
    # shapes, such as ``normalized_shape``; ``None`` when the smaller inputs make no valid case.
    resize: Callable[[Case, dict[str, np.ndarray]], Case | None] | None = field(
        default=None, repr=False
    )
    _gpu_cases: list[Case] | None = field(default=None, repr=False)
    _cases: list[Case] | None = field(default=None, repr=False)
    _expected: dict[int, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def cases(self, *, public_only: bool = False, gpu: bool = False) -> list[Case]:
        """The test cases (built once from fixed seeds; public ones first); ``gpu=True``
        adds the large hidden ones that only a GPU runs (built on first request: hundreds
        of megabytes that a CPU worker never allocates)."""
        with self._lock:
            if self._cases is None:
                self._cases = self.build_cases()
            if gpu and not public_only and self._gpu_cases is None:
                self._gpu_cases = self.build_gpu_cases() if self.build_gpu_cases else []
        if public_only:
            return [c for c in self._cases if c.public]
        return list(self._cases) + (list(self._gpu_cases or []) if gpu else [])

    def expected(self, case: Case) -> dict[str, np.ndarray]:
        """normcore's answer for ``case``, computed once per process and cached."""
        key = id(case)
        with self._lock:
            cached = self._expected.get(key)
        if cached is None:
            cached = self.reference(case)
            with self._lock:
                self._expected.setdefault(key, cached)
        return cached

    def reference(self, case: Case) -> dict[str, np.ndarray]:
        """normcore's answer for ``case``, uncached (for cases made on the fly)."""
        answer = self.solve(case, reference_impl(self.uses))
        for name in case.outputs:
            answer[name] = np.asarray(answer[name])
        return answer

    def summary(self) -> dict:
        return {
            "slug": self.slug,
            "title": self.title,
            "level": self.level,
            "functions": list(self.function_names),
            "placement": self.placement,
        }


def reference_impl(uses: tuple[str, ...], **overrides: Callable) -> Impl:
    """A namespace of normcore's functions named in ``uses``, some possibly replaced."""
    import normcore

    functions = {name: getattr(normcore, name) for name in uses}
    functions["moments"] = normcore.moments
    functions.update(overrides)
    return types.SimpleNamespace(**functions)


def load_text(slug: str, common: str = "_common.md") -> tuple[str, str, str]:
    """(title, statement, starter code) from the package data of ``slug``; ``common`` is
    the rules section appended to the statement (``_common_gpu.md`` for tensor problems)."""
    base = resources.files("grader.engine.problems")
    rules = (base / "statements" / common).read_text(encoding="utf-8")
    statement = (base / "statements" / f"{slug}.md").read_text(encoding="utf-8")
    starter = (base / "starters" / f"{slug}.py.txt").read_text(encoding="utf-8")
    title = statement.splitlines()[0].lstrip("# ").strip()
    return title, statement.rstrip() + "\n" + rules, starter
