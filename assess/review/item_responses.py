"""Item statistics and exposure from candidates' attempts: the hiring app's side.

It extracts each submitted attempt's scored answers and the time reported per question,
and hands them to `quizzes.item_statistics`, which owns the figures (the bank never reads
attempts itself).
"""

from collections import Counter, defaultdict
from datetime import datetime

from django.db.models import Count, Sum
from django.utils import timezone

from assess.attempts.models import Answer, IntegrityEvent, IntegrityKind
from assess.hiring.models import Assessment
from assess.privacy.selectors import (
    anonymous_respondent_key,
    anonymous_responses,
    anonymous_seen_by,
    anonymous_seen_in,
)
from quizzes.item_statistics import RefreshSummary, Response, statistics_replace


def _seconds_per_answer() -> dict[tuple[int, int], float]:
    rows = (
        IntegrityEvent.objects.filter(
            kind=IntegrityKind.QUESTION_TIME,
            position__isnull=False,
            attempt__submitted_at__isnull=False,
        )
        .values("attempt_id", "position")
        .annotate(ms=Sum("amount"))
    )
    return {(r["attempt_id"], r["position"]): r["ms"] / 1000 for r in rows}


def item_statistics_refresh(*, now: datetime | None = None) -> RefreshSummary:
    """Recompute the item and assessment statistics from every submitted attempt, and
    every question's exposure (candidates who were shown it, submitted or not)."""
    now = now or timezone.now()
    seconds = _seconds_per_answer()
    answers = Answer.objects.filter(attempt__submitted_at__isnull=False).values_list(
        "attempt_id", "attempt__assessment_id", "position", "question_version_id", "score",
        "drawn_values",
    )  # fmt: skip
    responses = [
        Response(
            attempt_id=attempt_id,
            assessment_id=assessment_id,
            version_id=version_id,
            score=score,
            seconds=seconds.get((attempt_id, position)),
            drawn_values=drawn,
        )
        for attempt_id, assessment_id, position, version_id, score, drawn in answers.iterator()
    ]
    # Erased candidates' answers stay in the figures without identity (assess.privacy).
    responses += [
        Response(
            attempt_id=anonymous_respondent_key(row.respondent),
            assessment_id=row.assessment_id,
            version_id=row.question_version_id,
            score=row.score,
            seconds=row.seconds,
            drawn_values=row.drawn_values,
        )
        for row in anonymous_responses(submitted=True).iterator()
    ]
    titles = dict(
        Assessment.objects.filter(pk__in={r.assessment_id for r in responses}).values_list(
            "pk", "title"
        )
    )
    seen_by: dict[int, int] = defaultdict(int)
    for row in (
        Answer.objects.values("question_version__question_id")
        .annotate(attempts=Count("attempt_id", distinct=True))
        .values_list("question_version__question_id", "attempts")
    ):
        seen_by[row[0]] += row[1]
    for question_id, attempts in anonymous_seen_by().items():
        seen_by[question_id] += attempts
    # Organizations whose candidates saw each question, the erased candidates' included.
    shown_in = (
        set(Answer.objects.values_list("question_version__question_id", "attempt__organization_id"))
        | anonymous_seen_in()
    )
    seen_in = Counter(question_id for question_id, _ in shown_in)
    return statistics_replace(responses, titles, seen_by, now=now, seen_in=seen_in)
