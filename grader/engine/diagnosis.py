"""Which known mistake explains a wrong answer.

Two sources, tried in this order: normcore's mistake catalog (plus the problem's own
mistakes), run on the very inputs the candidate got, and the pattern of the check rows
(it crashed only where the weight is None, it is wrong only where eps matters, its values
are a constant factor off, its dtype is wrong, it modified an input, it did not raise the
required ValueError). Correct values never get a value mistake named.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from grader.engine.case_patterns import (
    CRASH_CONFINED,
    WRONG_CONFINED,
    confined_finding,
    crash_pattern,
)
from grader.engine.checks import DTYPE_ROW, INPUTS_ROW, matches
from grader.engine.problems import Case, Problem
from grader.engine.problems.base import (
    DEFAULTS,
    reference_impl,
)
from grader.engine.report import CERTAIN, HIGH, MEDIUM, NO_MATCH, NONE, Diagnosis

if TYPE_CHECKING:
    from grader.engine.report import CaseOutcome

logger = logging.getLogger(__name__)


_predictions: dict[tuple[str, str, str, int], dict[str, np.ndarray] | None] = {}
_lock = threading.Lock()


UNKNOWN = Diagnosis(
    None,
    None,
    NO_MATCH + ": the output is wrong in a way none of the known mistakes explains; "
    "compare it with the reference on the smallest failing case.",
)

WRONG_DTYPE = Diagnosis(
    "wrong-output-dtype",
    "Output dtype differs from the input's",
    "The values are returned in another dtype than the input's (typically float64 for "
    "float32 input, from computing in float64 and not casting back, or from float64 "
    "defaults such as np.zeros(D)). Cast the results to x.dtype.",
)
DEFAULTS_DTYPE = Diagnosis(
    "cs231n-float64-defaults",
    "float64 defaults for the running statistics",
    "With float32 input and no running statistics in bn_param, the defaults were created "
    "as np.zeros(D) (float64), and the running statistics came back as float64. Create "
    "them with x's dtype.",
)
INPUTS_MODIFIED = Diagnosis(
    "inputs-modified",
    "Modifies its inputs",
    "The function changed an input array in place (for example x -= mean). The caller "
    "still needs its arrays; compute into new arrays.",
)
NO_DIVISIBILITY_CHECK = Diagnosis(
    "group-norm-no-divisibility-check",
    "Missing divisibility check",
    "num_groups that does not divide C must raise ValueError. Reshaping to (N, G, -1) "
    "runs silently whenever C * prod(S) happens to divide by G, mixing channels "
    "across groups.",
)
NO_VALUE_ERROR_DEFAULT = Diagnosis(
    "missing-value-error",
    "A required ValueError is not raised",
    "The statement requires a ValueError for an invalid input (see the failing "
    "'raises ValueError' rows); the function returned instead, or raised another error.",
)
WRONG_ERROR = Diagnosis(
    "wrong-exception-type",
    "Another error instead of ValueError",
    "The statement requires a ValueError for an invalid input; the function raised "
    "another error there, from a step that failed on the input, not from a check.",
)


def _missing_value_error(problem: Problem, outcomes: list[CaseOutcome]) -> Diagnosis | None:
    """What the invalid-input cases did instead of raising ValueError, case by case: a
    divisibility check is missing only where a positive num_groups that does not divide C
    came back with values (num_groups=0 dividing by zero is another story)."""
    failed = [
        (o.case, row.message)
        for o in outcomes
        if o.case.expect_error and not o.correct
        for row in o.rows
        if not row.passed
    ]
    if not failed:
        return None
    returned = [case for case, message in failed if message.startswith("returned")]
    raised = [(case, message) for case, message in failed if message.startswith("raised")]
    said = "; ".join(f"'{case.name}': {message}" for case, message in failed)
    if problem.slug == "groupnorm-forward" and returned and not raised:
        if all((case.params.get("groups") or 0) > 0 for case in returned):
            return NO_DIVISIBILITY_CHECK.with_evidence(CERTAIN, said)
    if raised and not returned:
        return WRONG_ERROR.with_evidence(CERTAIN, said)
    return NO_VALUE_ERROR_DEFAULT.with_evidence(CERTAIN, said)


UNBIASED = Diagnosis(
    "constant-factor-unbiased",
    "Off by the factor of the unbiased variance",
    "Every wrong value is the reference times sqrt(n / (n - 1)) (or its square or inverse): "
    "the code divides the variance by n - 1 where the biased variance (divide by n) is "
    "required.",
)


def _constant_factor(factor: float) -> Diagnosis:
    return Diagnosis(
        "constant-factor",
        "Off by a constant factor",
        f"Every wrong value is the reference times the same factor, {factor:.6g}: a scale "
        "is missing or applied twice (a count, a 1/2, a weight of ones).",
    )


def candidate_mistakes(problem: Problem) -> list:
    from normcore import mistakes

    found = []
    for function in problem.uses:
        found += [m for m in mistakes.mistakes_for(function) if m not in found]
    return found + list(problem.mistakes)


def _prediction(problem: Problem, mistake, case: Case) -> dict[str, np.ndarray] | None:
    """What the mistaken implementation returns on ``case`` (cached; None if it fails)."""
    key = (problem.slug, mistake.applies_to, mistake.slug, id(case))
    with _lock:
        if key in _predictions:
            return _predictions[key]
    try:
        if mistake.applies_to == "problem":
            raw = mistake.fn(case, reference_impl(problem.uses))
        else:
            raw = problem.solve(
                case, reference_impl(problem.uses, **{mistake.applies_to: mistake.fn})
            )
        predicted = {k: np.asarray(v) for k, v in raw.items()}
    except Exception:  # a mistake may not apply to every input (e.g. shapes it rejects)
        predicted = None
    with _lock:
        _predictions[key] = predicted
    return predicted


def _catalog_match(problem: Problem, returned: list[CaseOutcome]) -> Diagnosis | None:
    """The first mistake that reproduces every returned output and differs from the
    reference on at least one case the candidate got wrong."""
    try:
        catalog = candidate_mistakes(problem)
    except Exception:  # the catalog is optional to grading; a broken one is logged
        logger.exception("normcore.mistakes is unavailable")
        return None
    for mistake in catalog:
        compared = differs = 0
        agreed = True
        for outcome in returned:
            case = outcome.case
            predicted = _prediction(problem, mistake, case)
            if predicted is None:
                continue
            expected = problem.expected(case)
            compared += 1
            for name in case.outputs:
                # An output the candidate did not return at all (e.g. a dict entry never
                # written) is no evidence for or against a mistake.
                if name not in predicted or outcome.got.get(name) is None:
                    continue
                if not matches(outcome.got[name], predicted[name], case.dtype, case.tolerance):
                    agreed = False
                    break
                if not outcome.correct and not matches(
                    predicted[name], expected[name], case.dtype, case.tolerance, slack=1.0
                ):
                    differs += 1
            if not agreed:
                break
        if agreed and differs and compared:
            return Diagnosis(mistake.slug, mistake.title, mistake.explanation).with_evidence(
                HIGH, _reproduced(compared)
            )
    return None


def _reproduced(cases: int) -> str:
    return f"It reproduces every output returned, on all {cases} cases that returned"


def _search_match(problem: Problem, returned: list[CaseOutcome]) -> Diagnosis | None:
    """The smallest composition of operators over the reference that reproduces every
    returned output (grader.engine.mistake_search); a catalog entry's words for one alone."""
    from grader.engine.mistake_search import search

    try:
        result = search(problem, returned)
    except Exception:  # the search is optional to grading; a broken one is logged
        logger.exception("the mistake search failed")
        return None
    if result is None:
        return None
    first = result.matches[0]
    catalog = {m.slug: m for m in candidate_mistakes(problem)}
    if len(first) == 1 and first[0].slug in catalog:
        known = catalog[first[0].slug]
        finding = Diagnosis(known.slug, known.title, known.explanation)
    else:
        # The same departure in two functions (the forward and its backward) is one mistake.
        phrases = " and ".join(dict.fromkeys(op.phrase for op in first))
        finding = Diagnosis(
            "+".join(dict.fromkeys(op.slug for op in first)),
            _title(first),
            f"The output is the reference's with this change: the code {phrases}.",
        )
    evidence = _reproduced(result.cases)
    others = result.matches[1:]
    if others:
        alternatives = "; ".join(
            " and ".join(dict.fromkeys(op.phrase for op in combo)) for combo in others
        )
        # The cases cannot tell these apart: the finding says so and claims less.
        return Diagnosis(
            finding.slug,
            finding.title,
            f"{finding.explanation} Equally consistent with what it returned: the code "
            f"{alternatives}. ({evidence}.)",
            confidence=MEDIUM,
        )
    # Reproducing two cases is weaker evidence than reproducing twenty.
    return finding.with_evidence(HIGH if result.cases >= 3 else MEDIUM, evidence)


def _title(combo) -> str:
    words = [op.phrase.split(":")[0] for op in combo]
    text = "; ".join(words)
    return text[0].upper() + text[1:]


def _shape_finding(problem: Problem, wrong: list[CaseOutcome]) -> Diagnosis | None:
    """An output of another shape than the reference's, told with both shapes."""
    for outcome in wrong:
        expected = problem.expected(outcome.case)
        for name in outcome.case.outputs:
            got, ref = outcome.got.get(name), expected[name]
            if got is None or got.shape == ref.shape:
                continue
            same = got.size == ref.size and matches(
                got.reshape(ref.shape), ref, outcome.case.dtype, outcome.case.tolerance, 1.0
            )
            tail = (
                " Its values are right: only the shape is wrong (keepdims, or a missing reshape)."
                if same
                else ""
            )
            return Diagnosis(
                "wrong-output-shape",
                "An output of the wrong shape",
                f"'{name}' came back with shape {got.shape} where {ref.shape} is expected, on "
                f"the case '{outcome.case.name}'.{tail}",
                confidence=CERTAIN,
            )
    return None


PLACEHOLDER_ZEROS = Diagnosis(
    "placeholder-zeros",
    "Returns zeros",
    "Every wrong output is all zeros: a placeholder rather than an attempt at the computation.",
)
RETURNS_INPUT = Diagnosis(
    "returns-its-input",
    "Returns its inputs unchanged",
    "Every wrong output is one of the input arrays as it came in: nothing was computed.",
)


def _placeholder(wrong: list[CaseOutcome]) -> Diagnosis | None:
    """Zeros, or the inputs handed back, on every wrong output."""
    zeros = echoes = True
    for outcome in wrong:
        inputs = [a for a in outcome.case.inputs.values() if a.dtype.kind == "f"]
        for got in outcome.got.values():
            if got.dtype.kind != "f":
                continue
            zeros &= not np.any(got)
            echoes &= any(a.shape == got.shape and np.array_equal(a, got) for a in inputs)
    return PLACEHOLDER_ZEROS if zeros else RETURNS_INPUT if echoes else None


def _counts(shape: tuple[int, ...]) -> set[int]:
    """Every product of a subset of the dims: the candidate counts n of a reduction."""
    found = set()
    for k in range(1, len(shape) + 1):
        for dims in itertools.combinations(shape, k):
            found.add(int(np.prod(dims)))
    return {n for n in found if n > 1}


def _ratio_diagnosis(problem: Problem, wrong: list[CaseOutcome]) -> Diagnosis | None:
    """A constant factor between the candidate and the reference on every wrong output,
    measurably different from 1 (eps left out, or added to the std, bends the ratio or
    leaves it within a hair of 1: never a "constant factor")."""
    factors, unbiased, bent = [], True, 0
    for outcome in wrong:
        case = outcome.case
        expected = problem.expected(case)
        shape = next(iter(case.inputs.values())).shape
        for name in case.outputs:
            got, ref = outcome.got.get(name), expected[name]
            if got is None or got.shape != ref.shape or name in case.int_outputs:
                continue
            if matches(got, ref, case.dtype, case.tolerance, slack=1.0):
                continue
            ref64, got64 = ref.astype(np.float64), got.astype(np.float64)
            big = np.abs(ref64) > 1e-3 * max(1e-300, float(np.abs(ref64).max()))
            with np.errstate(all="ignore"):
                ratio = got64[big] / ref64[big]
            r = float(np.median(ratio)) if ratio.size else 0.0
            if not (
                np.all(np.isfinite(ratio)) and r and np.all(np.abs(ratio - r) <= 1e-3 * abs(r))
            ):
                bent += 1
                continue
            factors.append(r)
            unbiased &= any(
                abs(r - f) <= 1e-3 * f
                for n in _counts(shape)
                for f in (np.sqrt(n / (n - 1)), np.sqrt((n - 1) / n), n / (n - 1), (n - 1) / n)
            )
    if not factors or bent:
        return None
    evidence = f"The ratio holds on every element of all {len(factors)} wrong outputs"
    if unbiased and all(abs(f - 1.0) > 1e-3 for f in factors):
        return UNBIASED.with_evidence(MEDIUM, evidence)
    rtol = max(case.tolerance[0] for case in (o.case for o in wrong))
    factor = factors[0]
    if abs(factor - 1.0) <= max(1e-3, 100 * rtol):
        return None  # a factor of about 1 is a bent ratio, not a missing scale
    if all(abs(f - factor) <= 1e-3 * abs(factor) for f in factors):
        return _constant_factor(factor).with_evidence(MEDIUM, evidence)
    return None


def _housekeeping(problem: Problem, outcomes: list[CaseOutcome]) -> list[Diagnosis]:
    found = []
    dtype_failed = [
        o.case for o in outcomes for r in o.rows if r.name.endswith(DTYPE_ROW) and not r.passed
    ]
    if dtype_failed:
        dtype_passed = [
            o.case for o in outcomes for r in o.rows if r.name.endswith(DTYPE_ROW) and r.passed
        ]
        confined = confined_finding(dtype_failed, dtype_passed, {DEFAULTS: DEFAULTS_DTYPE})
        found.append(replace(confined or WRONG_DTYPE, confidence=CERTAIN))
    if any(
        r.name.endswith(INPUTS_ROW) and not r.passed and "modified" in r.message
        for o in outcomes
        for r in o.rows
    ):
        found.append(replace(INPUTS_MODIFIED, confidence=CERTAIN))
    value_error = _missing_value_error(problem, outcomes)
    if value_error is not None:
        found.append(value_error)
    return found


def diagnose(problem: Problem, outcomes: list[CaseOutcome]) -> list[Diagnosis]:
    """Every finding for a submission that was not accepted, the most telling first.

    A value finding (a catalog mistake, a crash or an error confined to one kind of case,
    a constant factor; otherwise "no known mistake matches") comes first when some
    returned value is wrong; housekeeping findings (dtype, modified inputs, a missing
    ValueError) follow. Correct values get no value finding.
    """
    results = [o for o in outcomes if not o.case.expect_error]
    returned = [o for o in results if o.got is not None]
    wrong = [o for o in returned if not o.correct]
    crashed = [o.case for o in results if o.raised]
    passing = [o.case for o in results if o.correct]
    findings: list[Diagnosis] = []
    value = None
    if crashed:
        value = confined_finding(crashed, passing + [o.case for o in wrong], CRASH_CONFINED)
    # A crash no tag explains, named by what the crashing inputs share: first when the
    # wrong values (if any) stay unexplained, else second.

    pattern = None
    if crashed and value is None:
        pattern = crash_pattern([o for o in results if o.raised], passing + [o.case for o in wrong])
    if value is None and wrong:
        value = (
            _catalog_match(problem, returned)
            or _search_match(problem, returned)
            or confined_finding([o.case for o in wrong], passing, WRONG_CONFINED)
            or _shape_finding(problem, wrong)
            or _ratio_diagnosis(problem, wrong)
            or _placeholder(wrong)
            or UNKNOWN
        )
    if (value is None or value is UNKNOWN) and pattern is not None:
        value = pattern  # the crash is the one thing said with confidence
    if value is None and crashed:
        value = UNKNOWN
    if value is not None:
        findings.append(value)
    if pattern is not None and pattern is not value:
        findings.append(pattern)
    elif pattern is not None and wrong:
        findings.append(UNKNOWN)  # the wrong values beside the crash stay unexplained
    findings += [f for f in _housekeeping(problem, outcomes) if f not in findings]
    return findings or [NONE]
