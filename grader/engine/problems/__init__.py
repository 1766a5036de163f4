"""The problem registry: the coding problems of shared/PROBLEMS.md.

``list_problems()`` and ``get_problem(slug)`` are what the question bank and the engine
use; each :class:`Problem` carries its statement, starter code, cases and reference.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

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
    "set_resolver",
]


class UnknownProblem(KeyError):
    """No problem has this slug."""

    def __str__(self) -> str:
        return f"unknown problem {self.args[0]!r}"


_registry: dict[str, Problem] | None = None
_lock = threading.Lock()
# Where a slug the catalog does not know is looked up: the Django layer sets it to find an
# organization's authored problems (grader.authored); the engine itself stays Django-free.
_resolver: Callable[[str], Problem | None] | None = None


def set_resolver(
    resolver: Callable[[str], Problem | None] | None,
) -> Callable[[str], Problem | None] | None:
    """Look unknown slugs up with ``resolver`` (None when it has no such problem); returns
    the resolver it replaces."""
    global _resolver
    previous, _resolver = _resolver, resolver
    return previous


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
    found = _problems().get(slug) if isinstance(slug, str) else None
    if found is None and _resolver is not None and isinstance(slug, str):
        found = _resolver(slug)
    if found is None:
        raise UnknownProblem(slug)
    return found
