"""Every `make bench-*` target runs, in a smoke mode of a few iterations, so that a
benchmark cannot rot unnoticed: each must complete and print its figures. The figures
themselves are not judged here (docs/benchmarks.md has them)."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import _free_port, missing_service

ROOT = Path(__file__).resolve().parents[2]
VENV = os.path.relpath(Path(sys.executable).parent.parent, ROOT)

# target -> (make variables, environment, a line each that the output must hold)
SMOKE = {
    "bench-normcore": (
        ["BENCH_ARGS=--repeat 1 --shape 4,8,6,6"],
        {},
        [r"\(4, 8, 6, 6\)\s+forward-train\s+\d+\.\d+", r"\(4, 8, 6, 6\)\s+backward\s+\d+\.\d+"],
    ),
    "bench-grader": (
        ["BENCH_ARGS=--submissions 4 --light 2"],
        {},
        [
            r"light load \(2 sequential\): p50 [\d.]+ ms",
            r"sustained \(4 submissions.*[\d.]+ submissions/s",
        ],
    ),
    "bench-bank-table": (
        ["BENCH_ARGS=--baseline 4 --questions 8 --repeat 2"],
        {},
        [r"^\s+8\s+\S+.*\d+\.\d+\s+\d+\.\d+$", r"x the baseline's median"],
    ),
    "bench-integrity": (
        ["BENCH_ARGS=--sessions 3 --long-minutes 5"],
        {},
        [r"^honest\s+3\s+[\d.]+%", r"long honest session: \d+ min, \d+ events, \d+ bytes"],
    ),
    "bench-similarity": (
        ["BENCH_ARGS=--answers 20 --lookups 2"],
        {},
        [r"lookup over 20 answers: median [\d.]+ ms", r"planted renamed copies found: 9 of 9"],
    ),
    "bench-sample-runs": (
        [],
        {"BENCH_RUNS": "2"},
        [
            r"engine alone \(baseline\)\s+[\d.]+",
            r"click to result on the page \(Redis broker\)\s+[\d.]+",
        ],
    ),
    "bench-load": (
        [],
        {"BENCH_USERS": "4", "BENCH_SPAWN_RATE": "4", "BENCH_TIME": "8s", "BENCH_SAVES": "2"},
        # No failed request (a code answer saved to a choice question is a 400), and
        # every code submission graded (at least one).
        [
            r"Aggregated\s+\d+\s+0\(0\.00%\)",
            r"page: question\s+\d+",
            r"graded ([1-9]\d*) of \1 code submissions",
        ],
    ),
}


def _bench_targets() -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    return sorted(set(re.findall(r"^(bench-[\w-]+):", makefile, re.MULTILINE)))


def test_every_bench_target_has_a_smoke_mode():
    assert _bench_targets() == sorted(SMOKE)


def _postgres_answers() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize("target", sorted(SMOKE))
def test_bench_target_runs_in_smoke_mode(target, redis_url, tmp_path):
    variables, env, expected = SMOKE[target]
    env = {**os.environ, **env, "BENCH_PORT": str(_free_port())}
    # The servers' benchmarks get this run's Redis, and the load one a database of its own
    # (dropped and created by the script) named after this run's.
    env["BENCH_REDIS_URL"] = redis_url
    bench_db = None
    if target == "bench-load":
        if not _postgres_answers():
            missing_service("the load benchmark needs PostgreSQL on 127.0.0.1")
        url = urlparse(os.environ.get("DATABASE_URL", ""))
        base = url.path.lstrip("/") if url.scheme.startswith("postgres") else "normassess"
        bench_db = env["BENCH_DB"] = f"{base}_bench_load"
    # The smoke run must not re-install the shared environment it runs in.
    stamps = [f"-o{VENV}/.installed-dev", f"-o{VENV}/.installed-run"]
    try:
        run = subprocess.run(
            ["make", "-s", *stamps, f"VENV={VENV}", target, *variables],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        if bench_db:
            subprocess.run(
                [
                    "psql",
                    "-q",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-c",
                    f"DROP DATABASE IF EXISTS {bench_db}",
                ],
                check=False,
                capture_output=True,
            )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    for line in expected:
        assert re.search(line, output, re.MULTILINE), (
            f"no line matching {line!r} in:\n{output[-4000:]}"
        )
