"""Coding problems written by an organization's author from a NumPy reference solution:
the declared spec (`spec`), the mutants of the reference (`mutants`), the build in the
sandbox with its strength check (`build`) and the resulting `Problem` (`problem`).
See docs/grader.md, "Problems from an author's reference"."""

from grader.engine.authored.build import (
    AuthoredBuildError,
    BuildUnavailable,
    Built,
    MutantResult,
    build,
)
from grader.engine.authored.problem import dump_arrays, load_built, make_problem, mutant_rows
from grader.engine.authored.spec import AuthoredSpec, AuthoredSpecError, parse_spec

__all__ = [
    "AuthoredBuildError",
    "AuthoredSpec",
    "AuthoredSpecError",
    "BuildUnavailable",
    "Built",
    "MutantResult",
    "build",
    "dump_arrays",
    "load_built",
    "make_problem",
    "mutant_rows",
    "parse_spec",
]
