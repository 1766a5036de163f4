"""Fixtures for the grader's tests: a sandbox pool with short limits, and planted secrets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.engine import grade_submission
from grader.engine.config import GraderConfig
from grader.engine.sandbox import SandboxPool

SUBMISSIONS = Path(__file__).parent / "submissions"
# Planted where a submission must not be able to look: the worker's environment and a
# file of the project. No report may ever contain it.
CANARY = "CANARY-7f3a9c1e-do-not-leak"
CANARY_FILE = Path(__file__).parent / "canary_secret.txt"


@pytest.fixture(scope="session")
def canary():
    os.environ["GRADER_TEST_CANARY"] = CANARY
    CANARY_FILE.write_text(CANARY)
    yield CANARY
    CANARY_FILE.unlink(missing_ok=True)
    os.environ.pop("GRADER_TEST_CANARY", None)


@pytest.fixture(scope="session")
def pool(canary):
    # Short limits keep the hostile submissions quick; the pool starts after the canary.
    sandbox = SandboxPool(GraderConfig(pool_size=2, wall_s=3.0, cpu_s=2, uid_base=630000))
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="session")
def grade(pool):
    def run(problem: str, source: str | bytes, **kwargs):
        return grade_submission(problem, source, pool=pool, **kwargs)

    return run
