"""Building an author's problem: run the author's reference in the sandbox exactly as a
candidate's code runs (the same pool, limits and seccomp filter), take its outputs as the
expected values, and check that the hidden cases are strong enough to publish:

- the degenerate battery (zeros, ones, a constant, the inputs handed back, the identity),
  scored against the expected values by the same comparison and score as a submission,
  must earn nothing on the hidden cases;
- every mutant of the reference (`mutants`) must fail at least one hidden case. Each runs in
  the sandbox; its outputs are kept, so the diagnosis of a wrong answer is a lookup.

A reference that fails (does not compile, raises, hangs, exhausts memory, returns the wrong
dtype or NaN, modifies its inputs) is an :class:`AuthoredBuildError` for the author; a
sandbox that cannot run at all is :class:`BuildUnavailable` (ours: try again later).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from grader.engine.authored.mutants import Mutant, make_mutants
from grader.engine.authored.spec import AuthoredSpec, AuthoredSpecError
from grader.engine.checks import INPUTS_ROW, RESULT, compare_array
from grader.engine.judging import check_case, error_text, job_failure, messages_by_case, score
from grader.engine.problems.base import cases_job
from grader.engine.report import CaseOutcome
from grader.engine.sandbox import RunResult, SandboxPool, SandboxUnavailable

# The submissions' words, said of the author's code.
_AUTHOR_WORDS = (
    ("The submission", "it"),
    ("Loading the file", "loading it"),
    ("The process", "the process"),
)

Outputs = dict[str, np.ndarray]  # output name -> array, for one case


class AuthoredBuildError(AuthoredSpecError):
    """The author's reference cannot give the expected values (it failed in the sandbox)."""


class BuildUnavailable(RuntimeError):
    """The sandbox could not run the job: our failure, never the author's."""


@dataclass
class MutantResult:
    mutant: Mutant
    survived: bool
    # Why it died ("wrong on case 'big'", "raised on case ...", "ran past the time limit"),
    # or, for a survivor, that no hidden case tells it apart.
    verdict: str
    outputs: dict[str, Outputs] = field(default_factory=dict, repr=False)  # by case name

    def explained(self) -> str:
        """The survivor in the author's words: the change, the line, what case would help,
        and its id, which `equivalent:` names when no input could tell it apart."""
        m = self.mutant
        return (
            f"line {m.line}: {m.description} — no hidden case tells it apart from your "
            f"reference; {m.hint} (mutant {m.slug}: if no input your problem accepts could "
            "tell them apart, name it under 'equivalent:' with why)."
        )


@dataclass
class Built:
    spec: AuthoredSpec
    cases: list  # the Cases, public first
    expected: dict[str, Outputs]  # by case name
    degenerate: dict[str, float]  # degenerate candidate -> its score on the hidden cases
    mutants: list[MutantResult]

    @property
    def survivors(self) -> list[MutantResult]:
        """The surviving mutants the author has not said are equivalent."""
        return [r for r in self.mutants if r.survived and r.mutant.slug not in self.spec.equivalent]

    def weaknesses(self) -> list[str]:
        """Why the tests are too weak to publish (empty when they are strong enough)."""
        found = [
            f"a candidate who returns {name} scores {points:.0%} on the hidden cases: add hidden "
            "cases whose expected output is not of that kind"
            for name, points in self.degenerate.items()
            if points > 0
        ]
        found += [r.explained() for r in self.survivors]
        return found + equivalent_mistakes(self.spec.equivalent, self.mutants)


def equivalent_mistakes(equivalent: Mapping[str, str], results: list[MutantResult]) -> list[str]:
    """A mutant called equivalent that a hidden case tells apart, or that the reference
    does not have (it changed since): the claim is wrong, and publishing waits for it."""
    by_id = {r.mutant.slug: r for r in results}
    found = []
    for slug in equivalent:
        result = by_id.get(slug)
        if result is None:
            found.append(
                f"'equivalent' names {slug}, which is not one of your reference's mutants "
                "(the reference changed since?): remove it"
            )
        elif not result.survived:
            found.append(
                f"'equivalent' names {slug} (line {result.mutant.line}: "
                f"{result.mutant.description}), but the hidden cases tell it apart "
                f"({result.verdict}): remove it"
            )
    return found


def waived(equivalent: Mapping[str, str], rows: list[dict]) -> list[str]:
    """The surviving mutants the author called equivalent, with their reasons, for whoever
    publishes to read (`rows` as `problem.mutant_rows` stores them)."""
    return [
        f"The author says no input tells this mutant from the reference: line {row['line']}: "
        f"{row['description']} ({row['slug']}); why: “{equivalent[row['slug']]}”"
        for row in rows
        if row.get("survived") and row.get("slug") in equivalent
    ]


def _run(pool: SandboxPool, header: dict, arrays: dict) -> RunResult:
    try:
        run = pool.run(header, arrays)
    except SandboxUnavailable as exc:
        raise BuildUnavailable(str(exc)) from None
    if run.internal:
        raise BuildUnavailable(run.internal)
    return run


def how_it_failed(run: RunResult, cpu_limit_s: float) -> str | None:
    """Why a whole job failed, by the submissions' rules (`judging.job_failure`), in words
    for the author, or None when it ran to the end."""
    phases = {h.get("phase"): h for h, _ in run.messages if "phase" in h}
    compile_phase = phases.get("compile") or {}
    if compile_phase.get("status") == "syntax_error":
        return "it does not compile: " + error_text(compile_phase.get("error", {}))
    if (phases.get("import") or {}).get("status") == "missing_function":
        return "it does not define the function"
    failure = job_failure(run, phases, cpu_limit_s)
    if failure is None:
        return None
    message = failure[1].rstrip(".")
    for candidate_words, author_words in _AUTHOR_WORDS:
        message = message.replace(candidate_words, author_words)
    return message


def run_reference(spec: AuthoredSpec, cases: list, pool: SandboxPool) -> dict[str, Outputs]:
    """The reference's outputs on every case, checked: float arrays of the case's dtype,
    finite, and its inputs left as they were."""
    run = _run(pool, *cases_job(spec.source, [spec.function], cases))
    failure = how_it_failed(run, pool.config.cpu_s)
    if failure:
        raise AuthoredBuildError([f"The reference failed in the sandbox: {failure}."])
    by_case = messages_by_case(run, len(cases))
    expected: dict[str, Outputs] = {}
    errors: list[str] = []
    for index, case in enumerate(cases):
        found = _reference_case(case, by_case.get(index))
        if isinstance(found, str):
            errors.append(f"case '{case.name}': the reference {found}")
        else:
            expected[case.name] = found
    if errors:
        raise AuthoredBuildError(errors[:10])
    return expected


def _reference_case(case, message: tuple[dict, dict] | None) -> Outputs | str:
    if message is None:
        return "did not run this case"
    header, arrays = message
    if header.get("status") == "raised":
        return "raised " + error_text(header.get("error") or {})
    if header.get("status") != "ok":
        return str(header.get("message", "returned something unexpected"))[:300]
    outputs: Outputs = {}
    described = header.get("outputs") if isinstance(header.get("outputs"), dict) else {}
    for name in case.outputs:
        array = arrays.get("out/" + name)
        if array is None:
            return (
                f"returned {str(described.get(name, 'nothing'))[:200]} for '{name}', not an array"
            )
        if array.dtype != np.dtype(case.dtype):
            return f"returned '{name}' as {array.dtype} for {case.dtype} inputs: cast it"
        if not np.all(np.isfinite(array)):
            return f"returned NaN or infinity in '{name}'"
        outputs[name] = array
    rows, _, _ = check_case(None, case, message, outputs)
    if any(r.name.endswith(INPUTS_ROW) and not r.passed for r in rows):
        return "modified its input arrays: compute into new arrays"
    return outputs


def _degenerates(case, name: str, expected: np.ndarray) -> dict[str, np.ndarray]:
    """What a candidate who computes nothing returns for output ``name``."""
    dtype, shape = case.dtype, expected.shape
    found = {
        "zeros": np.zeros(shape, dtype),
        "ones": np.ones(shape, dtype),
        "a constant (the mean of the expected output)": np.full(
            shape, float(np.mean(expected, dtype=np.float64)) if expected.size else 0.0, dtype
        ),
    }
    inputs = list(case.inputs.values())
    same = [a for a in inputs if a.shape == shape]
    if same or inputs:
        found["its input back"] = (same or inputs)[0]
    if len(shape) >= 2 and shape[-1] == shape[-2]:
        found["the identity"] = np.broadcast_to(np.eye(shape[-1], dtype=dtype), shape).copy()
    return found


def degenerate_scores(cases: list, expected: dict[str, Outputs]) -> dict[str, float]:
    """Each degenerate candidate's score on the hidden cases, by the submissions' score."""
    hidden = [c for c in cases if not c.public]
    outcomes: dict[str, list[CaseOutcome]] = {}
    for index, case in enumerate(hidden):
        per_output = {
            name: _degenerates(case, name, expected[case.name][name]) for name in case.outputs
        }
        kinds = set.intersection(*(set(d) for d in per_output.values()))
        for kind in kinds:
            got = {name: per_output[name][kind] for name in case.outputs}
            rows = [
                compare_array(
                    f"{case.name}: {name}",
                    got[name],
                    expected[case.name][name],
                    case.dtype,
                    case.tolerance,
                )
                for name in case.outputs
            ]
            correct = all(r.passed for r in rows)
            outcomes.setdefault(kind, []).append(
                CaseOutcome(index, case, rows, got, False, correct)
            )
    return {kind: score(found) for kind, found in sorted(outcomes.items())}


def run_mutant(
    spec: AuthoredSpec,
    mutant: Mutant,
    cases: list,
    expected: dict[str, Outputs],
    pool: SandboxPool,
) -> MutantResult:
    """Run one mutant on every case; it survives when every hidden case comes out right."""
    run = _run(pool, *cases_job(mutant.source, [spec.function], cases))
    by_case = messages_by_case(run, len(cases))
    outputs: dict[str, Outputs] = {}
    killed_by = ""
    for index, case in enumerate(cases):
        rows, got, raised = check_case(None, case, by_case.get(index), expected[case.name])
        if got:
            outputs[case.name] = got
        correct = all(r.passed for r in rows if r.kind == RESULT) and not raised
        if not correct and not case.public and not killed_by:
            killed_by = f"{'raised' if raised else 'wrong'} on the hidden case '{case.name}'"
    failure = how_it_failed(run, pool.config.cpu_s)
    if failure and not killed_by:
        killed_by = failure
    verdict = killed_by or "survived: right on every hidden case"
    return MutantResult(mutant, not killed_by, verdict, outputs)


def build(spec: AuthoredSpec, pool: SandboxPool) -> Built:
    """Expected values from the reference, the degenerate battery and every mutant."""
    cases = spec.build_cases()
    expected = run_reference(spec, cases, pool)
    try:
        made = make_mutants(spec.source, spec.function)
    except (RecursionError, MemoryError):
        raise AuthoredBuildError(
            ["The reference is nested too deeply to make its mutants: simplify its expressions."]
        ) from None
    mutants = [run_mutant(spec, mutant, cases, expected, pool) for mutant in made]
    return Built(spec, cases, expected, degenerate_scores(cases, expected), mutants)
