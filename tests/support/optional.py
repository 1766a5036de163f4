"""Optional dependencies of some tests. Locally a missing one skips those tests; in CI
(CI=true) it fails them, so a broken install never passes as "skipped"."""

import importlib
import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(module: str):
    """The imported module; skipped without it, except in CI where the import error stands."""
    if IN_CI:
        return importlib.import_module(module)
    return pytest.importorskip(module)
