"""``python -m normcore bench`` prints a table (tiny shape here, to stay fast)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "normcore", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bench_prints_one_row_per_pass():
    result = run("bench", "--shape", "4,3,8,8", "--repeat", "1", "--threads", "1")
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("(4, 3, 8, 8)")]
    assert [r.split()[4] for r in rows] == ["forward-train", "forward-eval", "backward"]


def test_unknown_command_is_a_usage_error():
    result = run("frobnicate")
    assert result.returncode == 2 and "usage" in result.stderr
