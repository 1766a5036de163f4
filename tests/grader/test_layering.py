"""The grader is a leaf: its engine loads without Django, and no grader module imports assess."""

import ast
import json
import subprocess
import sys
from pathlib import Path

GRADER = Path(__file__).resolve().parents[2] / "grader"
FORBIDDEN = ("django", "celery", "assess", "quizzes")


def test_engine_imports_without_django_celery_assess_or_quizzes():
    probe = (
        "import json, sys\n"
        "import grader.engine, grader.engine.problems, grader.engine.checks\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(json.dumps(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=GRADER.parent,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(GRADER.parent)},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_grader_module_imports_assess():
    offenders = [
        str(path.relative_to(GRADER.parent))
        for path in sorted(GRADER.rglob("*.py"))
        if "assess" in _imported_roots(path)
    ]
    assert offenders == []
