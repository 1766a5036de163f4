"""The problem registry: the coding problems of shared/PROBLEMS.md.

``list_problems()`` and ``get_problem(slug)`` are what the question bank and the engine
use; each :class:`Problem` carries its statement, starter code, cases and reference.
"""

from __future__ import annotations

import threading

from grader.engine.problems.base import (
    CPU,
    GPU_PREFERRED,
    GPU_REQUIRED,
    PLACEMENTS,
    TOLERANCES,
    Case,
    Problem,
)

__all__ = [
    "CPU",
    "GPU_PREFERRED",
    "GPU_REQUIRED",
    "PLACEMENTS",
    "TOLERANCES",
    "Case",
    "Problem",
    "UnknownProblem",
    "get_problem",
    "list_problems",
]


class UnknownProblem(KeyError):
    """No problem has this slug."""

    def __str__(self) -> str:
        return f"unknown problem {self.args[0]!r}"


_registry: dict[str, Problem] | None = None
_lock = threading.Lock()


def _problems() -> dict[str, Problem]:
    global _registry
    with _lock:
        if _registry is None:
            from grader.engine.problems.catalog import build_problems

            _registry = {p.slug: p for p in build_problems()}
        return _registry


def list_problems() -> list[Problem]:
    """Every problem, in the order of PROBLEMS.md."""
    return list(_problems().values())


def get_problem(slug: str) -> Problem:
    """The problem named ``slug``; raises :class:`UnknownProblem` when there is none."""
    try:
        return _problems()[slug]
    except KeyError:
        raise UnknownProblem(slug) from None
