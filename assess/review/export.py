"""The results export: one CSV row per attempt, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re

from django.db.models import Count, Q, QuerySet

from assess.attempts.models import Attempt

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


# A spreadsheet opened with another separator (";" in much of Europe, a tab, a pipe) splits
# a cell again: whatever follows a separator starts a cell of its own.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t|\r\n]\s*)(?=[=+\-@])")


def csv_safe(value) -> object:
    """A cell a spreadsheet shows as text: a string starting like a formula, or holding one
    right after a separator, gets an apostrophe before it (OWASP's advice for CSV
    injection); every cell is also quoted. Numbers stay numbers."""
    if not isinstance(value, str):
        return value
    value = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", value)
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    return value


EXPORT_HEADER = [
    "attempt",
    "candidate",
    "email",
    "assessment",
    "status",
    "started",
    "submitted",
    "score_percent",
    "passed",
    "level_estimate",
    "answers_waiting",
]


def results_csv(attempts: QuerySet[Attempt]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(EXPORT_HEADER)
    attempts = attempts.annotate(
        waiting=Count("answers", filter=Q(answers__score__isnull=True), distinct=True)
    )
    for a in attempts:
        row = [
            a.pk,
            a.invitation.candidate_name,
            a.invitation.candidate_email,
            a.assessment.title,
            a.status,
            a.started_at.isoformat(),
            a.submitted_at.isoformat() if a.submitted_at else "",
            "" if a.score_percent is None else round(a.score_percent, 1),
            "" if a.passed is None else ("yes" if a.passed else "no"),
            a.level_estimate,
            a.waiting,
        ]
        writer.writerow([csv_safe(v) for v in row])
    return out.getvalue()


CANDIDATES_HEADER = [
    "candidate",
    "email",
    "assessment",
    "stage",
    "invited",
    "submitted",
    "score_percent",
    "passed",
    "level_estimate",
]


def candidates_csv(invitations) -> str:
    """The recruiter's candidate list (`assess.hiring.selectors.candidates_list` rows)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CANDIDATES_HEADER)
    for inv in invitations:
        attempt = getattr(inv, "attempt", None)
        graded = attempt is not None and attempt.graded_at is not None
        row = [
            inv.candidate_name,
            inv.candidate_email,
            inv.assessment.title,
            inv.stage,
            inv.created_at.isoformat(),
            attempt.submitted_at.isoformat() if attempt and attempt.submitted_at else "",
            round(attempt.score_percent, 1) if graded else "",
            ("yes" if attempt.passed else "no") if graded else "",
            attempt.level_estimate if graded else "",
        ]
        writer.writerow([csv_safe(v) for v in row])
    return out.getvalue()
