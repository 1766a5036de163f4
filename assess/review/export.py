"""The results export: one CSV row per attempt, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from django.db.models import Count, Q, QuerySet

from assess.attempts.models import Attempt
from assess.spreadsheet import csv_safe

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
