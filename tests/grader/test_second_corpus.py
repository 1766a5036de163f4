"""The diagnosis on a corpus it was not written against.

tests/grader/second_corpus/ holds wrong solutions written from how people get these layers
wrong (course forums, Q&A threads, blog posts, ports from PyTorch code), and correct ones in
other styles; nothing here was used to write the catalog, whose own corpus is
submissions/. Each wrong file says its bug and the names a reviewer should read
(``# diagnosis: slug | other-slug``). The measure: every correct file accepted with no
finding, every wrong one rejected, at least 80% named right, none named wrong (a finding
whose slug is not among the right ones; "no known mistake matches" is not a name).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "second_corpus"


def _slug(folder: str) -> str:
    return folder.replace("_", "-")


def _wrong() -> list[tuple[str, Path, set[str]]]:
    found = []
    for path in sorted((CORPUS / "wrong").glob("*/*.py")):
        said = re.search(r"^# diagnosis: (.+)$", path.read_text(), re.M)
        assert said, f"{path} does not say its diagnosis"
        found.append((_slug(path.parent.name), path, {s.strip() for s in said.group(1).split("|")}))
    return found


WRONG = _wrong()
CORRECT = [(_slug(p.parent.name), p) for p in sorted((CORPUS / "correct").glob("*/*.py"))]


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.fixture(scope="module")
def wrong_reports(grade):
    return {path: grade(slug, path.read_text()) for slug, path, _ in WRONG}


def figures(reports: dict) -> dict[str, Counter]:
    """Per problem: files, named right, named wrong, not named."""
    table: dict[str, Counter] = {}
    for slug, path, right in WRONG:
        named = reports[path].diagnosis.slug
        row = table.setdefault(slug, Counter())
        row["files"] += 1
        row["right" if named in right else "unnamed" if named is None else "wrong"] += 1
    return table


@pytest.mark.parametrize(("slug", "path"), CORRECT, ids=[_id(p) for _, p in CORRECT])
def test_a_correct_solution_in_another_style_is_accepted_without_a_finding(grade, slug, path):
    report = grade(slug, path.read_text())
    failed = [(c.name, c.message) for c in report.checks if not c.passed]
    assert report.verdict == "accepted", (report.message, failed[:3])
    assert report.findings == []


def test_every_wrong_solution_is_rejected(wrong_reports):
    accepted = [_id(p) for p, r in wrong_reports.items() if r.verdict == "accepted"]
    assert not accepted


def test_no_wrong_solution_is_given_a_wrong_name(wrong_reports):
    misnamed = [
        (_id(path), wrong_reports[path].diagnosis.slug)
        for _, path, right in WRONG
        if wrong_reports[path].diagnosis.slug not in right | {None}
    ]
    assert not misnamed


def test_at_least_80_percent_are_named_right(wrong_reports):
    table = figures(wrong_reports)
    right = sum(row["right"] for row in table.values())
    shown = {slug: dict(row) for slug, row in sorted(table.items())}
    assert right / len(WRONG) >= 0.8, (right, len(WRONG), shown)
