"""Correct solutions in several styles are accepted; the report's shape; the command line.

The classic bugs and their diagnoses: test_diagnosis.py; the score: test_scoring.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from grader.engine.checks import compare_array
from grader.engine.problems import get_problem
from tests.grader.conftest import SUBMISSIONS

CORRECT = {
    "bn_forward_plain.py": "bn-forward",
    "bn_forward_moveaxis.py": "bn-forward",
    "bn_forward_loops.py": "bn-forward",
    "bn_backward.py": "bn-backward",
    "layernorm_forward.py": "layernorm-forward",
    "layernorm_backward.py": "layernorm-backward",
    "groupnorm_forward.py": "groupnorm-forward",
    # a @dataclass under `from __future__ import annotations`, typing and pickle: the file
    # runs as a module registered in sys.modules, as an import leaves it
    "groupnorm_forward_dataclass.py": "groupnorm-forward",
    "rmsnorm_forward.py": "rmsnorm-forward",
    "bn_fold.py": "bn-fold",
    "bn_sync_stats.py": "bn-sync-stats",
    "cs231n_batchnorm.py": "cs231n-batchnorm",
}


def _source(name: str) -> str:
    return (SUBMISSIONS / "correct" / name).read_text()


@pytest.mark.parametrize("name", list(CORRECT))
def test_correct_solution_is_accepted(grade, name):
    report = grade(CORRECT[name], _source(name))
    failed = [(c.name, c.message) for c in report.checks if not c.passed]
    assert report.verdict == "accepted", (report.message, failed[:3])
    assert report.score == 1.0
    assert report.diagnosis.slug is None


def _bug(name: str, old: str, new: str) -> str:
    source = _source(name)
    assert old in source, old
    return source.replace(old, new)


@pytest.mark.parametrize(
    "slug",
    [
        "bn-forward",
        "bn-backward",
        "layernorm-forward",
        "layernorm-backward",
        "groupnorm-forward",
        "rmsnorm-forward",
        "bn-fold",
        "bn-sync-stats",
        "cs231n-batchnorm",
    ],
)
def test_all_zeros_and_the_starter_never_pass(grade, slug):
    problem = get_problem(slug)
    zeros = problem.starter_code.replace(
        "raise NotImplementedError",
        "z = np.zeros(3)\n    return (z, z, z) if False else __import__('builtins').tuple([z] * 3)",
    )
    assert grade(slug, zeros).verdict == "wrong_answer"
    starter = grade(slug, problem.starter_code)
    assert starter.verdict == "runtime_error"
    assert "NotImplementedError" in starter.message


def test_public_only_runs_only_the_samples(grade):
    report = grade("bn-forward", _source("bn_forward_plain.py"), public_only=True)
    assert report.verdict == "accepted" and report.public_only
    assert all(c.name.startswith("sample") for c in report.checks)


def test_modifying_an_input_fails_the_input_check(grade):
    source = _bug(
        "bn_forward_plain.py", "    axes = (0,)", "    x -= 0\n    gamma *= 1.5\n    axes = (0,)"
    )
    report = grade("bn-forward", source)
    assert report.verdict == "wrong_answer"
    rows = [c for c in report.checks if c.name.endswith("inputs unchanged") and not c.passed]
    assert rows and "gamma" in rows[0].message


def test_report_to_dict_is_json_with_the_documented_keys(grade):
    wrong = (SUBMISSIONS / "wrong" / "bn_forward" / "biased_running_var.py").read_text()
    report = grade("bn-forward", wrong).to_dict()
    json.dumps(report, allow_nan=False)
    assert {
        "problem",
        "verdict",
        "score",
        "checks",
        "diagnosis",
        "elapsed_ms",
        "stdout",
        "stderr",
        "findings",
        "smallest_failing_case",
    } <= set(report)
    assert set(report["checks"][0]) == {
        "name",
        "passed",
        "max_abs_error",
        "max_rel_error",
        "first_failing_index",
        "message",
        "kind",
    }
    assert set(report["diagnosis"]) == {"slug", "title", "explanation", "confidence"}
    assert report["smallest_failing_case"]["reviewer_only"] is True


def test_compare_reports_the_first_failing_index_and_rejects_nan():
    ref = np.array([[1.0, 2.0], [3.0, 4.0]])
    got = ref.copy()
    got[1, 0] = np.nan
    row = compare_array("out", got, ref, "float64", (1e-7, 1e-9))
    assert not row.passed and row.first_failing_index == [1, 0] and "not finite" in row.message
    assert not compare_array("out", ref.astype(np.float32), ref, "float64", (1e-7, 1e-9)).passed
    assert not compare_array("out", np.zeros_like(ref), ref, "float64", (1e-7, 1e-9)).passed
    assert compare_array("out", ref + 1e-10, ref, "float64", (1e-7, 1e-9)).passed


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_grades_many_files_as_json_lines():
    files = [
        str(SUBMISSIONS / "correct" / "bn_forward_plain.py"),
        str(SUBMISSIONS / "correct" / "bn_forward_loops.py"),
    ]
    done = _cli("grade", "--problem", "bn-forward", *files, "--json")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["file"] for r in lines] == files
    assert all(r["verdict"] == "accepted" and r["problem"] == "bn-forward" for r in lines)
    assert all({"score", "checks", "diagnosis", "elapsed_ms"} <= set(r) for r in lines)


def test_cli_human_output_shows_the_diagnosis_and_the_smallest_failing_case():
    wrong = SUBMISSIONS / "wrong" / "layernorm_forward" / "batch_axis.py"
    done = _cli("grade", "--problem", "layernorm-forward", str(wrong))
    assert done.returncode == 0, done.stderr
    assert "wrong_answer (score 0.00" in done.stdout
    assert "diagnosis: Layer norm statistics over the batch" in done.stdout
    case = done.stdout.split("smallest failing case", 1)[1]
    assert "out = layernorm_forward(x, " in case
    assert re.search(r"\n    x float32\(1, \d\) = \[\[", case)
    assert re.search(r"\n    out: got .*\n +expected ", case)


def test_cli_bad_usage_exits_2_with_one_line():
    unknown = _cli("grade", "--problem", "nope", __file__)
    assert unknown.returncode == 2 and len(unknown.stderr.strip().splitlines()) == 1
    unreadable = _cli("grade", "--problem", "bn-forward", "/nonexistent/file.py")
    assert unreadable.returncode == 2 and len(unreadable.stderr.strip().splitlines()) == 1


def test_cli_lists_problems():
    done = _cli("problems")
    assert (
        done.returncode == 0 and "bn-forward" in done.stdout and "cs231n-batchnorm" in done.stdout
    )
