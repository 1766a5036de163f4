"""The smallest departure from the reference that reproduces a wrong answer.

normcore's operators (``normcore.mistakes.OPERATORS``: the axes of the statistics, ddof,
where eps goes, the affine step, the momentum convention, which backward terms are kept,
the count, the shard weights) are composed, one and then two at a time, swapped into the
problem's reference and run on the very inputs the candidate got. A variant matches when it
reproduces every output the candidate returned, on every case it returned (a variant that
cannot be computed for a case is refuted by a wrong answer there, and says nothing where the
answer is right), and differs from the reference where the candidate is wrong. The smallest matching size wins; several matches of that size are all
reported (the cases cannot tell them apart).

Bounded: at most ``MAX_SIZE`` operators, and no new variant is tried after
``BUDGET_SECONDS``. Predictions are cached per problem, variant and case, so a second
wrong answer to the same problem costs only the comparisons.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from grader.engine.checks import matches
from grader.engine.problems import Case, Problem
from grader.engine.problems.base import reference_impl

if TYPE_CHECKING:
    from grader.engine.report import CaseOutcome
    from normcore.mistakes import Operator

MAX_SIZE = 2
BUDGET_SECONDS = 2.0
_CACHE_ENTRIES = 20000

_cache: OrderedDict[tuple, dict[str, np.ndarray] | None] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class SearchResult:
    matches: tuple[tuple[Operator, ...], ...]  # every match of the smallest size
    cases: int  # the cases every match reproduces
    complete: bool  # False: the budget ran out before every variant was tried


def clear_cache() -> None:
    """Forget every prediction (the bench measures a cold search with it)."""
    with _lock:
        _cache.clear()


def _operators(problem: Problem) -> list[Operator]:
    from normcore.mistakes import OPERATORS

    return [op for function in problem.uses for op in OPERATORS.get(function, ())]


def _compatible(combo: tuple[Operator, ...]) -> bool:
    """No two operators set the same knob of the same function."""
    seen = set()
    for op in combo:
        for knob, _ in op.knobs:
            if (op.function, knob) in seen:
                return False
            seen.add((op.function, knob))
    return True


def _predict(problem: Problem, combo: tuple[Operator, ...], case: Case) -> dict | None:
    """What the variant returns on ``case`` (cached; None when it cannot be computed)."""
    key = (problem.slug, tuple((op.function, op.knobs) for op in combo), case.name, case.dtype)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    from normcore.mistakes import variant

    knobs: dict[str, dict] = {}
    for op in combo:
        knobs.setdefault(op.function, {}).update(op.knobs)
    overrides = {function: variant(function, k) for function, k in knobs.items()}
    # No operator touches normcore.moments: its (precise, slow) result is the same for every
    # variant, so it is computed once per input.
    overrides.setdefault("moments", _shared_moments)
    try:
        with np.errstate(all="ignore"):
            raw = problem.solve(case, reference_impl(problem.uses, **overrides))
        predicted = {k: np.asarray(v) for k, v in raw.items()}
    except Exception:  # the variant cannot express this input (e.g. no spatial axes)
        predicted = None
    with _lock:
        _cache[key] = predicted
        while len(_cache) > _CACHE_ENTRIES:
            _cache.popitem(last=False)
    return predicted


_moments_cache: OrderedDict[tuple, tuple] = OrderedDict()


def _shared_moments(x, *args, **kwargs):
    import normcore

    a = np.asarray(x)
    key = (a.shape, a.dtype.str, hash(a.tobytes()), args, tuple(sorted(kwargs.items())))
    with _lock:
        if key in _moments_cache:
            return _moments_cache[key]
    result = normcore.moments(x, *args, **kwargs)
    for part in result:  # shared by every variant: one that writes into it fails, alone
        if isinstance(part, np.ndarray):
            part.flags.writeable = False
    with _lock:
        _moments_cache[key] = result
        while len(_moments_cache) > 256:
            _moments_cache.popitem(last=False)
    return result


def agrees(got: np.ndarray, predicted: np.ndarray, case: Case) -> bool:
    """``got`` equals the prediction within 10x the tolerance; NaN and infinities must sit
    where the prediction has the same ones (eps left out divides 0 by 0 on a constant group)."""
    predicted = np.asarray(predicted)
    if got.shape != predicted.shape:
        return False
    if got.dtype.kind != "f" or predicted.dtype.kind != "f":
        return matches(got, predicted, case.dtype, case.tolerance)
    bad_got, bad_pred = ~np.isfinite(got), ~np.isfinite(predicted)
    if bad_got.any() or bad_pred.any():
        if not np.array_equal(bad_got, bad_pred):
            return False
        same = np.isnan(got[bad_got]) == np.isnan(predicted[bad_pred])
        signs = np.sign(np.nan_to_num(got[bad_got])) == np.sign(np.nan_to_num(predicted[bad_pred]))
        if not (same.all() and signs.all()):
            return False
        got, predicted = got[~bad_got], predicted[~bad_pred]
    return matches(got, predicted, case.dtype, case.tolerance)


def reproduces(problem: Problem, combo, returned: list[CaseOutcome]) -> bool:
    """The variant gives every returned output on every returned case, and differs from the
    reference on at least one output the candidate got wrong."""
    differs = False
    for outcome in returned:
        predicted = _predict(problem, combo, outcome.case)
        if predicted is None:
            if outcome.correct:
                continue  # the departure has no meaning here (no spatial axes), and it is right
            return False
        expected = problem.expected(outcome.case) if not outcome.correct else None
        for name in outcome.case.outputs:
            got = outcome.got.get(name)
            if got is None or name not in predicted:
                continue
            if not agrees(got, predicted[name], outcome.case):
                return False
            if expected is not None and not differs:
                differs = not matches(
                    predicted[name], expected[name], outcome.case.dtype, outcome.case.tolerance, 1.0
                )
    return differs


def search(problem: Problem, returned: list[CaseOutcome]) -> SearchResult | None:
    """The smallest variants that reproduce the candidate's outputs (None: none found)."""
    operators = _operators(problem)
    if not operators or not any(not o.correct for o in returned):
        return None
    # Wrong cases first, smallest first: most variants are refuted by the first one.
    ordered = sorted(
        returned,
        key=lambda o: (o.correct, sum(int(v.size) for v in o.case.inputs.values())),
    )
    started = time.monotonic()
    effects: dict[Operator, str] = {}
    for size in range(1, MAX_SIZE + 1):
        found = []
        if size == 2:
            effects = {op: _effect(problem, op, ordered[0]) for op in operators}
        for combo in itertools.combinations(operators, size):
            if time.monotonic() - started > BUDGET_SECONDS:
                return SearchResult(tuple(found), len(ordered), False) if found else None
            # A composition must change the first wrong case (the candidate is wrong there):
            # one of its operators must change it alone, and none may be undefined there.
            kinds = {effects[op] for op in combo} if size > 1 else {"changes"}
            if "undefined" in kinds or "changes" not in kinds:
                continue
            if _compatible(combo) and reproduces(problem, combo, ordered):
                found.append(combo)
        if found:
            return SearchResult(tuple(found), len(ordered), True)
    return None


def _effect(problem: Problem, op: Operator, first: CaseOutcome) -> str:
    """What one operator alone does to the first wrong case: "undefined", "changes" it from
    the reference, or "inert" (its prediction is cached from the one-operator pass)."""
    alone = _predict(problem, (op,), first.case)
    if alone is None:
        return "undefined"
    case = first.case
    expected = problem.expected(case)
    for name in case.outputs:
        if name in alone and not matches(
            alone[name], expected[name], case.dtype, case.tolerance, 1.0
        ):
            return "changes"
    return "inert"
