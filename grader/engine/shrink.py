"""The smallest failing case: shrink a failing case while the candidate's code still fails.

Greedy, a few sandbox runs per wrong answer (never for an accepted one): each round runs
every one-step reduction of the current case at once (one named axis cut to 1, 2 or half:
fewer samples, channels, positions, shards), keeps the smallest that still fails, and
stops when none does; a last round tries simple values (integers, unit scale, zero
shift). The result puts the candidate's output beside the reference's.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from grader.engine.checks import RESULT
from grader.engine.judging import check_case, error_text, messages_by_case
from grader.engine.problems import Case, Problem
from grader.engine.problems.base import cases_job
from grader.engine.sandbox import SandboxPool

if TYPE_CHECKING:
    from grader.engine.report import CaseOutcome

logger = logging.getLogger(__name__)

MAX_ROUNDS = 8
# Past this, no further round starts (a job that times out ends the shrinking at once):
# hostile code that is slow only on small inputs costs a worker little.
BUDGET_SECONDS = 3.0
MAX_SHOWN_VALUES = 256
# Inputs that a simple value makes easier to read: scales become ones, shifts zeros.
_ONES = ("gamma", "weight")
_ZEROS = ("beta", "bias")


def _size(case: Case) -> int:
    return sum(int(v.size) for v in case.inputs.values())


def _axis_sizes(case: Case) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for name, axes in case.axes.items():
        if name in case.inputs:
            for axis, size in zip(axes, case.inputs[name].shape, strict=False):
                sizes.setdefault(axis, size)
    return sizes


Variant = tuple[Case, dict[str, np.ndarray]]  # a case and its reference answer


def _with_inputs(problem: Problem, case: Case, inputs: dict[str, np.ndarray]) -> Variant | None:
    """A valid case for ``inputs`` with its reference, or None when it breaks a rule."""
    variant = problem.resize(case, inputs) if problem.resize else replace(case, inputs=inputs)
    if variant is None:
        return None
    try:
        return variant, problem.reference(variant)
    except Exception:  # the smaller inputs break a rule of the problem (e.g. C % G)
        return None


def _cut(problem: Problem, case: Case, axis: str, size: int) -> Variant | None:
    inputs = {}
    for name, value in case.inputs.items():
        axes = case.axes.get(name, ())
        index = tuple(slice(0, size) if a == axis else slice(None) for a in axes)
        inputs[name] = np.ascontiguousarray(value[index]) if axis in axes else value
    return _with_inputs(problem, case, inputs)


def _smaller(problem: Problem, case: Case) -> list[Variant]:
    variants = []
    for axis, size in _axis_sizes(case).items():
        for target in sorted({1, 2, (size + 1) // 2} - {size}):
            if target < size:
                variant = _cut(problem, case, axis, target)
                if variant is not None:
                    variants.append(variant)
    return variants


def _simpler(problem: Problem, case: Case) -> list[Variant]:
    """Variants with simple values, most simplifications first: all of them, all but one,
    then one at a time (one sandbox job runs them all)."""
    steps = {}
    for name, value in case.inputs.items():
        if value.dtype.kind != "f":
            continue
        if name in _ONES:
            steps[name] = np.ones_like(value)
        elif name in _ZEROS:
            steps[name] = np.zeros_like(value)
        else:
            steps[name] = (np.round(value) + 0.0).astype(value.dtype)  # + 0.0: no -0.0
    names = list(steps)
    subsets = [names] + [[n for n in names if n != left] for left in names]
    subsets += [[n] for n in names]
    seen, variants = set(), []
    for subset in subsets:
        key = frozenset(subset)
        if not subset or key in seen:
            continue
        seen.add(key)
        variant = _with_inputs(problem, case, {**case.inputs, **{n: steps[n] for n in subset}})
        if variant is not None:
            variants.append(variant)
    return variants


def _kind(rows: list, got: dict | None, raised: bool) -> str:
    """How a case fails: it raised, returned NaN or infinity, or returned wrong numbers."""
    if raised or got is None:
        return "raised"
    if any(a.dtype.kind == "f" and not np.all(np.isfinite(a)) for a in got.values()):
        return "not finite"
    return "wrong"


def _failing(
    problem: Problem,
    source: str,
    variants: list[Variant],
    pool: SandboxPool,
    kind: str | None = None,
) -> list:
    """(case, reference, rows, got, error, kind) for every variant on which the candidate
    still fails (the same way as ``kind``, when given), in the order given."""
    run = pool.run(*cases_job(source, problem.function_names, [v for v, _ in variants]))
    if run.internal or run.timed_out:
        return []
    by_case = messages_by_case(run, len(variants))
    found = []
    for index, (variant, reference) in enumerate(variants):
        message = by_case.get(index)
        if message is None:
            continue  # the process ended: not evidence about this input
        rows, got, raised = check_case(problem, variant, message, reference)
        failed = _kind(rows, got, raised)
        if not all(r.passed for r in rows if r.kind == RESULT) and kind in (None, failed):
            error = error_text(message[0].get("error") or {}) if raised else None
            found.append((variant, reference, rows, got, error, failed))
    return found


def _plain(value: np.ndarray) -> list | float | int | str:
    """JSON-safe nested lists: non-finite values as strings, floats to 7 digits."""
    if value.dtype.kind in "iu":
        return value.tolist()

    def one(v: float):
        return float(f"{v:.7g}") if np.isfinite(v) else str(v)

    flat = [one(float(v)) for v in value.astype(np.float64).ravel()]
    if value.ndim == 0:
        return flat[0]
    return np.array(flat, dtype=object).reshape(value.shape).tolist()


def _shown(value: np.ndarray) -> dict:
    shown = {"dtype": value.dtype.name, "shape": list(value.shape)}
    if value.size <= MAX_SHOWN_VALUES:
        shown["values"] = _plain(value)
    return shown


def _spec_text(spec: dict) -> str:
    if "array" in spec:
        return spec["array"]
    if "value" in spec:
        return repr(spec["value"])
    if "tuple" in spec:
        return repr(tuple(spec["tuple"]))
    if "result" in spec:
        return spec["result"]
    if "item" in spec:
        return f"{spec['item'][0]}[{spec['item'][1]!r}]"
    if "dict" in spec:
        entries = ", ".join(f"{k!r}: {_spec_text(v)}" for k, v in spec["dict"].items())
        return "{" + entries + "}"
    return "?"


def describe_calls(case: Case) -> list[str]:
    """The calls of a case as Python, e.g. ``out = layernorm_forward(x, (4,), weight, None)``."""
    lines = []
    for c in case.calls:
        args = [_spec_text(a) for a in c["args"]]
        args += [f"{k}={_spec_text(v)}" for k, v in c["kwargs"].items()]
        returns = c["returns"] if isinstance(c["returns"], str) else ", ".join(c["returns"])
        lines.append(f"{returns} = {c['fn']}({', '.join(args)})")
    return lines


def smallest_failing_case(
    problem: Problem,
    source: str,
    failing: CaseOutcome,
    pool: SandboxPool,
    *,
    reviewer_only: bool,
) -> dict | None:
    """Shrink ``failing`` (a case the candidate got wrong) and describe the result."""
    case = failing.case
    raised = [r.message for r in failing.rows if r.message.startswith("raised ")]
    error = raised[0].removeprefix("raised ") if raised else None
    kind = _kind(failing.rows, failing.got, failing.raised)
    best = (case, problem.expected(case), failing.rows, failing.got, error, kind)
    deadline = time.monotonic() + BUDGET_SECONDS
    try:
        # a smaller input must show the same failure (wrong numbers, not a new NaN)
        for _ in range(MAX_ROUNDS):
            if time.monotonic() > deadline:
                break
            candidates = _failing(problem, source, _smaller(problem, best[0]), pool, kind)
            if not candidates:
                break
            best = min(candidates, key=lambda f: _size(f[0]))
        if time.monotonic() <= deadline:
            simpler = _failing(problem, source, _simpler(problem, best[0]), pool, kind)
            best = simpler[0] if simpler else best
    except Exception:  # shrinking only adds to a report; it never breaks one
        logger.exception("shrinking a failing case of %s failed", problem.slug)
        return None
    shrunk, expected, rows, got, error, _ = best
    outputs = []
    for name, row in zip(shrunk.outputs, rows, strict=False):
        entry = {"name": name, "passed": row.passed, "expected": _plain(expected[name])}
        if got is not None and name in got:
            entry["got"] = _plain(got[name]) if got[name].size <= MAX_SHOWN_VALUES else None
        if not row.passed:
            entry["message"] = row.message
        outputs.append(entry)
    return {
        "from_case": case.name,
        # False: no smaller or simpler input fails the same way, so this is the case itself.
        "shrunk": shrunk is not case,
        "reviewer_only": reviewer_only,
        "calls": describe_calls(shrunk),
        "inputs": {name: _shown(value) for name, value in shrunk.inputs.items()},
        "outputs": outputs,
        "error": error,
    }
