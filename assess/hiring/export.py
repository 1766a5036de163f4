"""The candidate list as a CSV file, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from assess.spreadsheet import csv_safe

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
