"""An author's built problem as the grader uses it: a `Problem` whose reference is a lookup
of the stored expected values (the author's code never runs again at grading time) and whose
own mistakes are the killed mutants, so "your output matches the reference with ddof=1" is a
lookup too. Also the stored form: the arrays as one pickle-free ``.npz`` and the rest as JSON.
"""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np

from grader.engine.authored.build import Built, MutantResult, Outputs
from grader.engine.authored.mutants import Mutant
from grader.engine.authored.spec import AuthoredSpec, parse_spec
from grader.engine.problems.base import Case, Problem
from normcore.mistakes import Mistake

# The stored arrays: the inputs, the expected values, each killed mutant's outputs.
_INPUT, _EXPECTED, _MUTANT = "in", "exp", "mut"


def _lookup(cases: list[Case], table: dict[str, Outputs]):
    """``solve`` for stored values: only the very case objects built here have an answer (a
    changed copy, as the shrinking and the probes make, has none and is skipped by them)."""
    known = {id(case): case for case in cases}

    def solve(case: Case, _impl=None) -> dict[str, np.ndarray]:
        if known.get(id(case)) is not case or case.name not in table:
            raise KeyError(f"no stored answer for this copy of case {case.name!r}")
        return dict(table[case.name])

    return solve


def make_problem(slug: str, level: str, built: Built) -> Problem:
    spec, cases = built.spec, built.cases
    mistakes = tuple(
        Mistake(
            slug=f"authored-mutant-{result.mutant.slug}",
            # The report shows "title: explanation": the change once, then what it means.
            title=f"The reference with one change: {result.mutant.description}",
            explanation=(
                "Your output matches the author's reference with exactly this change, so "
                "look at that step of your code."
            ),
            applies_to="problem",
            fn=_lookup(cases, result.outputs),
        )
        for result in built.mutants
        if not result.survived and result.outputs
    )
    problem = Problem(
        slug=slug,
        title=spec.title,
        level=level,
        function_names=(spec.function,),
        uses=(),
        statement=spec.statement,
        starter_code=spec.starter_code,
        build_cases=lambda: cases,
        solve=_lookup(cases, built.expected),
        mistakes=mistakes,
    )
    problem.cases()  # binds the very case objects the lookups know
    return problem


def dump_arrays(built: Built) -> bytes:
    arrays: dict[str, np.ndarray] = {}
    for i, case in enumerate(built.cases):
        for name, value in case.inputs.items():
            arrays[f"{_INPUT}/{i}/{name}"] = value
        for name, value in built.expected[case.name].items():
            arrays[f"{_EXPECTED}/{i}/{name}"] = value
    for k, result in enumerate(built.mutants):
        if result.survived:
            continue  # a survivor's outputs are the expected ones on the hidden cases
        for i, case in enumerate(built.cases):
            for name, value in result.outputs.get(case.name, {}).items():
                arrays[f"{_MUTANT}/{k}/{i}/{name}"] = value
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


def mutant_rows(built: Built) -> list[dict]:
    return [
        {
            "slug": r.mutant.slug,
            "line": r.mutant.line,
            "description": r.mutant.description,
            "hint": r.mutant.hint,
            "survived": r.survived,
            "verdict": r.verdict,
        }
        for r in built.mutants
    ]


def load_built(raw_spec: dict, blob: bytes, rows: list[dict], degenerate: dict) -> Built:
    """A built problem from its stored form; the inputs are the stored ones, never made
    again (a NumPy upgrade could change what a seed draws)."""
    spec: AuthoredSpec = parse_spec(raw_spec)
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        stored = {key: data[key] for key in data.files}
    cases = []
    expected: dict[str, Outputs] = {}
    for i, case in enumerate(spec.build_cases()):
        inputs = {n: stored[f"{_INPUT}/{i}/{n}"] for n in case.inputs}
        cases.append(replace(case, inputs=inputs))
        expected[case.name] = {n: stored[f"{_EXPECTED}/{i}/{n}"] for n in case.outputs}
    mutants = []
    for k, row in enumerate(rows):
        mutant = Mutant(row["slug"], row["line"], row["description"], row["hint"], "")
        outputs = {
            case.name: {
                n: stored[f"{_MUTANT}/{k}/{i}/{n}"]
                for n in case.outputs
                if f"{_MUTANT}/{k}/{i}/{n}" in stored
            }
            for i, case in enumerate(cases)
        }
        outputs = {name: found for name, found in outputs.items() if found}
        mutants.append(MutantResult(mutant, row["survived"], row["verdict"], outputs))
    return Built(spec, cases, expected, dict(degenerate), mutants)
