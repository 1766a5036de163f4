"""What a wrong answer does, when no variant of the reference reproduces it.

Metamorphic probes, run in the sandbox (one job) on changed copies of the smallest case the
candidate got wrong, each compared with what the reference does under the same change:
- one sample's input changed: do the other samples' outputs change (statistics across the
  batch), or stay put where the reference's move (statistics per sample)?
- channel 0 changed: which channels' outputs move, against the reference's (groups)?
- every input shifted by a constant, or scaled: a normalization must not care;
- eps set large, then near 0: is eps used at all, and is the error eps's doing?
Only a behaviour that differs from the reference's is stated, in plain sentences.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from grader.engine.checks import matches
from grader.engine.problems import Case, Problem
from grader.engine.problems.base import EPS_SENSITIVE, LARGE_MEANS, cases_job
from grader.engine.report import MEDIUM, Diagnosis
from grader.engine.sandbox import SandboxPool

if TYPE_CHECKING:
    from grader.engine.report import CaseOutcome

logger = logging.getLogger(__name__)

# Relative to the output's scale: below SAME a change is none (the reference keeps samples
# apart exactly), above MOVED it is certainly one (eps alone moves a scaled reference ~1e-5).
SAME, MOVED = 1e-6, 2e-3
LARGE_EPS, TINY_EPS = 0.5, 1e-12

FINDINGS = {
    "statistics-across": (
        "Statistics across {word}s",
        "Changing the input of {word} 0 (axis {axis}) changed the output of {word}s {got}; "
        "the reference's changes only {expected}: its statistics keep {word}s apart, "
        "and these run across them.",
    ),
    "statistics-not-shared-across": (
        "Statistics not shared across {word}s",
        "Changing the input of {word} 0 (axis {axis}) changed the output of {word}s {got} "
        "only; the reference's changes {expected}, since its statistics come from all of "
        "those {word}s together. Here the other {word}s' outputs do not depend on {word} 0 "
        "(statistics per {word}, or fixed ones).",
    ),
    "statistics-grouped-wrongly": (
        "{Word}s grouped differently from the reference",
        "Changing the input of {word} 0 (axis {axis}) changed the output of {word}s {got}; "
        "the reference's changes {expected}: the statistics group the {word}s wrongly.",
    ),
    "not-shift-invariant": (
        "Not invariant to a shift of the input",
        "Adding the same constant to every input value changed the output (by up to {moved} "
        "of its scale); the reference's does not change, since the mean is subtracted. Here "
        "the mean is not removed exactly: left out, the wrong one, or lost to rounding (as "
        "E[x^2] - E[x]^2 in float32 loses it).",
    ),
    "not-scale-invariant": (
        "Not invariant to a scale of the input",
        "Multiplying every input value by 2.5 changed the output (by up to {moved} of its "
        "scale); the reference's does not change, since dividing by the standard deviation "
        "cancels it. Here the spread is measured wrongly, not divided out, or eps outweighs it.",
    ),
    "eps-argument-ignored": (
        "The eps argument is not used",
        "Setting eps to 0.5 left the output as it was; the reference's moves. The eps "
        "argument never reaches the formula.",
    ),
    "eps-placement": (
        "eps enters the formula wrongly",
        "With eps near 0 the output is right, so the error comes from eps: it is added in the "
        "wrong place (for example to the standard deviation) or with the wrong value.",
    ),
}


# What one index of a named axis is, in words (``Case.axes``).
_WORDS = {"N": "sample", "B": "sample", "C": "channel", "D": "feature", "F": "feature"}


def _word(axis: str) -> str:
    return _WORDS.get(axis.rstrip("0123456789"), "position")


def _main_input(case: Case) -> str | None:
    """The input the probes change: ``x``, with a batch axis first, where the case has one."""
    axes = case.axes.get("x", ())
    return "x" if "x" in case.inputs and axes and _word(axes[0]) == "sample" else None


def _accepts_eps(problem: Problem, case: Case) -> bool:
    if "eps" not in case.params or len(case.calls) != 1:
        return False
    fn = case.calls[0]["fn"]
    return bool(re.search(rf"def {fn}\([^)]*\beps\b", problem.starter_code))


def _with_eps(case: Case, eps: float) -> Case:
    (only,) = case.calls
    changed = {**only, "kwargs": {**only["kwargs"], "eps": {"value": eps}}}
    params = {**case.params, "eps": eps}
    if "eps_none" in params:
        params["eps_none"] = False
    return replace(case, calls=[changed], params=params)


def _probes(problem: Problem, case: Case) -> dict[str, Case]:
    probes: dict[str, Case] = {}
    name = _main_input(case)
    if name is not None:
        x = case.inputs[name]
        rng = np.random.default_rng(7)
        spread = float(np.std(x.astype(np.float64))) or 1.0
        for axis in (0, 1)[: x.ndim]:
            if x.shape[axis] >= 2:
                index = (slice(None),) * axis + (0,)
                changed = x.copy()
                noise = spread * (0.5 + rng.standard_normal(x[index].shape))
                changed[index] += noise.astype(x.dtype)
                probes[f"axis-{axis}"] = replace(case, inputs={**case.inputs, name: changed})
        shift = (x.astype(np.float64) + 3.0 * spread + 1.0).astype(x.dtype)
        probes["shift"] = replace(case, inputs={**case.inputs, name: shift})
        probes["scale"] = replace(case, inputs={**case.inputs, name: (x * 2.5).astype(x.dtype)})
    if _accepts_eps(problem, case):
        probes["large-eps"] = _with_eps(case, LARGE_EPS)
        probes["tiny-eps"] = _with_eps(case, TINY_EPS)
    return probes


def _moved(before: np.ndarray, after: np.ndarray, index=...) -> float:
    """How far ``after`` is from ``before`` (on ``index``), relative to the output's scale."""
    a, b = before.astype(np.float64)[index], after.astype(np.float64)[index]
    scale = max(1.0, float(np.nanmax(np.abs(before))) if before.size else 1.0)
    with np.errstate(invalid="ignore"):
        diff = np.abs(a - b)
    if diff.size and not np.all(np.isfinite(diff)):
        return np.inf
    return float(diff.max()) / scale if diff.size else 0.0


def _moved_along(before: np.ndarray, after: np.ndarray, axis: int) -> list[int]:
    """The indices along ``axis`` whose outputs moved."""
    lead = (slice(None),) * axis
    return [i for i in range(before.shape[axis]) if _moved(before, after, (*lead, i)) > SAME]


def _indices(found: list[int]) -> str:
    return ", ".join(map(str, found)) if found else "none"


def _run(problem: Problem, source: str, probes: dict[str, Case], pool: SandboxPool) -> dict:
    """The candidate's outputs on each probe (probes it raised on are left out)."""
    names = list(probes)
    run = pool.run(*cases_job(source, problem.function_names, [probes[n] for n in names]))
    if run.internal or run.timed_out:
        return {}
    got = {}
    for message, out in run.messages:
        index = message.get("case")
        if isinstance(index, int) and 0 <= index < len(names) and message.get("status") == "ok":
            got[names[index]] = {
                k.removeprefix("out/"): v for k, v in out.items() if k.startswith("out/")
            }
    return got


def _observations(problem: Problem, failing: CaseOutcome, probes: dict, got: dict) -> list:
    """(slug, sentence) for each probe on which the candidate behaves unlike the reference."""
    case = failing.case
    base_got, base_ref = failing.got, problem.expected(case)
    shaped = [o for o in case.outputs if o in base_got and base_got[o].shape == base_ref[o].shape]
    x_shaped = [o for o in shaped if base_ref[o].shape == case.inputs.get("x", np.empty(0)).shape]
    found = []
    references = {}
    for name, probe in probes.items():
        try:
            references[name] = problem.reference(probe)
        except Exception:  # the changed case breaks a rule of the problem: no probe
            continue

    def pair(name: str, output: str):
        if name not in got or name not in references or output not in got[name]:
            return None
        return got[name][output], references[name][output]

    for output in x_shaped:
        for axis in (0, 1):
            moved = pair(f"axis-{axis}", output)
            if moved is None:
                continue
            cand = _moved_along(base_got[output], moved[0], axis)
            ref = _moved_along(base_ref[output], moved[1], axis)
            if cand == ref or not cand:
                continue  # an output that ignores its input here says nothing about grouping
            slug = (
                "statistics-across"
                if set(ref) < set(cand)
                else "statistics-not-shared-across"
                if set(cand) < set(ref)
                else "statistics-grouped-wrongly"
            )
            word = _word(case.axes["x"][axis])
            details = {
                "word": word,
                "Word": word.capitalize(),
                "axis": axis,
                "got": _indices(cand),
                "expected": _indices(ref),
            }
            found.append((slug, details))
        for probe, slug in (("shift", "not-shift-invariant"), ("scale", "not-scale-invariant")):
            moved = pair(probe, output)
            if moved is None:
                continue
            # The outputs are not comparable if the weight/bias make them move (eval mode with
            # running statistics does): only a reference that stays put says "must not move".
            change = _moved(base_got[output], moved[0])
            if _moved(base_ref[output], moved[1]) <= 1e-4 and change > MOVED:
                found.append((slug, {"moved": f"{change:.2g}"}))
        break  # the first (N, C, ...) output speaks for the others
    for output in shaped:
        large = pair("large-eps", output)
        scaled = pair("scale", output)
        # eps "ignored" only by an output that does depend on its input
        responsive = scaled is not None and _moved(base_got[output], scaled[0]) > SAME
        if large is not None and responsive:
            if (
                _moved(base_ref[output], large[1]) > MOVED
                and _moved(base_got[output], large[0]) <= SAME
            ):
                found.append(("eps-argument-ignored", None))
                break
        tiny = pair("tiny-eps", output)
        if tiny is not None and not matches(
            base_got[output], base_ref[output], case.dtype, case.tolerance, 1.0
        ):
            if matches(tiny[0], tiny[1], case.dtype, case.tolerance, 1.0):
                found.append(("eps-placement", None))
                break
    seen, unique = set(), []
    for slug, details in found:
        if slug not in seen:
            seen.add(slug)
            unique.append((slug, details))
    return unique


def probe_preference(outcome: CaseOutcome) -> tuple:
    """Which wrong case to probe, least first: an ordinary case (no constant group, no large
    means) with at least two samples and two channels, the smallest of those."""
    x = outcome.case.inputs.get("x")
    small = x is None or x.ndim < 2 or min(x.shape[:2]) < 2
    special = bool(outcome.case.tags & {EPS_SENSITIVE, LARGE_MEANS})
    return (special, small, sum(int(v.size) for v in outcome.case.inputs.values()))


PROBED_CASES = 3


def probe_behaviour(
    problem: Problem, source: str, wrong: list[CaseOutcome], pool: SandboxPool
) -> Diagnosis | None:
    """A finding from the probes that differ from the reference's behaviour, or None.
    Up to ``PROBED_CASES`` wrong cases (ordinary ones first) are probed in one sandbox job:
    on a degenerate one (one value per group) the output may not move at all."""
    chosen = sorted((o for o in wrong if o.got is not None), key=probe_preference)
    batches = [(o, _probes(problem, o.case)) for o in chosen[:PROBED_CASES]]
    probes = {f"{i}/{name}": case for i, (_, p) in enumerate(batches) for name, case in p.items()}
    if not probes:
        return None
    observed, failing = [], None
    try:
        got = _run(problem, source, probes, pool)
        for i, (outcome, own) in enumerate(batches):
            mine = {name: got[f"{i}/{name}"] for name in own if f"{i}/{name}" in got}
            observed = _observations(problem, outcome, own, mine)
            if observed:
                failing = outcome
                break
    except Exception:  # probing only adds to a report; it never breaks one
        logger.exception("probing a wrong answer to %s failed", problem.slug)
        return None
    if not observed:
        return None
    sentences = []
    for slug, details in observed:
        _, text = FINDINGS[slug]
        sentences.append(text.format(**details) if details else text)
    slug, details = observed[0]
    title = FINDINGS[slug][0].format(**details) if details else FINDINGS[slug][0]
    if details and "word" in details:
        slug = f"{slug}-{details['word']}s"
    evidence = (
        f"Seen by running the code on changed copies of the case '{failing.case.name}' "
        "beside the reference; no single known departure reproduces its output"
    )
    return Diagnosis(slug, title, " ".join(sentences), confidence=MEDIUM).with_evidence(
        MEDIUM, evidence
    )
