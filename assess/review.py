"""The review dashboard's domain: listing attempts, the report in plain words, scoring
written answers against their rubric, re-grading coding answers, the CSV export.

Scores come from `assess.scoring` only; this module never scores a response itself.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from grader.models import FINAL_STATUSES, Submission
from quizzes.models import Kind, Level

from .models import (
    Answer,
    Assessment,
    Attempt,
    AttemptStatus,
    Organization,
    Regrade,
    RubricReview,
)
from .scoring import AttemptResults, answer_review, attempt_results


class ReviewError(Exception):
    """A reviewer's request that cannot be honoured, in words for them."""


# --- Listing --------------------------------------------------------------------------------

SORTS = {
    "date": "-started_at",
    "-date": "started_at",
    "score": "-score_percent",
    "-score": "score_percent",
    "candidate": "invitation__candidate_name",
    "-candidate": "-invitation__candidate_name",
}


@dataclass(frozen=True)
class AttemptFilters:
    assessment: int | None = None
    status: str = ""  # in_progress | submitted | waiting (submitted, not fully scored) | graded
    level: str = ""
    min_score: float | None = None
    max_score: float | None = None
    since: date | None = None
    until: date | None = None
    sort: str = "date"


def attempts_list(organization: Organization, filters: AttemptFilters) -> QuerySet[Attempt]:
    """The organization's attempts, filtered and sorted; each with its count of answers
    answered (`answered`) and in total (`question_count`) for the progress of live ones."""
    attempts = Attempt.objects.filter(organization=organization).select_related(
        "invitation", "assessment"
    )
    if filters.assessment:
        attempts = attempts.filter(assessment_id=filters.assessment)
    if filters.status == "in_progress":
        attempts = attempts.filter(status=AttemptStatus.IN_PROGRESS)
    elif filters.status == "submitted":
        attempts = attempts.filter(status=AttemptStatus.SUBMITTED)
    elif filters.status == "waiting":
        attempts = attempts.filter(status=AttemptStatus.SUBMITTED, graded_at__isnull=True)
    elif filters.status == "graded":
        attempts = attempts.filter(graded_at__isnull=False)
    if filters.level in Level.values:
        attempts = attempts.filter(level_estimate=filters.level)
    if filters.min_score is not None:
        attempts = attempts.filter(score_percent__gte=filters.min_score)
    if filters.max_score is not None:
        attempts = attempts.filter(score_percent__lte=filters.max_score)
    if filters.since:
        attempts = attempts.filter(started_at__date__gte=filters.since)
    if filters.until:
        attempts = attempts.filter(started_at__date__lte=filters.until)
    attempts = attempts.annotate(
        question_count=Count("answers", distinct=True),
        answered=Count("answers", filter=Q(answers__response__isnull=False), distinct=True),
    )
    order = SORTS.get(filters.sort, SORTS["date"])
    return attempts.order_by(order, "-pk")


# --- The report in plain words --------------------------------------------------------------

STRENGTH_PERCENT = 75.0
GAP_PERCENT = 50.0


@dataclass
class ReportNotes:
    strengths: list[str]
    gaps: list[str]
    summary: str


def report_notes(results: AttemptResults, pass_mark: int) -> ReportNotes:
    """Strengths and gaps in words a recruiter who is not an ML expert can use."""
    strengths = [
        f"{t.label}: {t.percent:.0f}% of {t.possible} question{'s' if t.possible != 1 else ''}"
        for t in results.topics
        if t.percent is not None and t.percent >= STRENGTH_PERCENT
    ]
    gaps = [
        f"{t.label}: {t.percent:.0f}% of {t.possible} question{'s' if t.possible != 1 else ''}"
        for t in results.topics
        if t.percent is not None and t.percent < GAP_PERCENT
    ]
    if not results.complete:
        summary = (
            f"{results.total.pending} answer{'s' if results.total.pending != 1 else ''} still "
            "to be graded; the result is not final yet."
        )
    else:
        level = (
            Level(results.level_estimate).label.split(" (")[0].lower()
            if results.level_estimate
            else "junior"
        )
        verdict = "met" if results.passed else "did not meet"
        summary = (
            f"Scored {results.total.percent or 0:.0f}%, and {verdict} the pass mark of {pass_mark}%. "
            f"Suggested interview level: {level}."
        )
        if gaps:
            summary += " Probe the gaps below in the interview."
    return ReportNotes(strengths, gaps, summary)


def report_context(attempt: Attempt) -> dict:
    results = attempt_results(attempt)
    return {
        "results": results,
        "notes": report_notes(results, attempt.assessment.pass_mark),
        "topic_chart": {
            "labels": [t.label for t in results.topics],
            "values": [t.percent for t in results.topics],
        },
    }


# --- Written answers: the rubric ------------------------------------------------------------


def rubric_score(answer: Answer, items: list[int], reviewer, *, note: str = "") -> RubricReview:
    """Score a written answer by the rubric items it meets: points met / points possible.
    Recorded with the reviewer and the time; a later review replaces the answer's score
    (and the attempt's result) and keeps the earlier one in the history."""
    content = answer.question_version.content
    if content["kind"] != Kind.WRITTEN:
        raise ReviewError("Only written answers are scored with a rubric.")
    rubric = content["rubric"]
    chosen = sorted(set(items))
    if any(not 0 <= i < len(rubric) for i in chosen):
        raise ReviewError("Unknown rubric item.")
    points = float(sum(rubric[i]["points"] for i in chosen))
    possible = float(sum(item["points"] for item in rubric))
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=answer.attempt_id)
        if attempt.status != AttemptStatus.SUBMITTED:
            raise ReviewError("The candidate has not submitted this test yet.")
        _reopen_result(attempt)
        review = RubricReview.objects.create(
            answer=answer,
            reviewer=reviewer,
            items=chosen,
            points=points,
            possible=possible,
            score=points / possible,
            note=note[:2000],
        )
        answer_review(answer, review.score, reviewer)
    return review


def _reopen_result(attempt: Attempt) -> None:
    """Forget the attempt's final result so `attempt_refresh_result` writes it again."""
    if attempt.graded_at is not None:
        attempt.score_percent = attempt.passed = attempt.graded_at = None
        attempt.level_estimate = ""
        attempt.save(update_fields=["score_percent", "passed", "level_estimate", "graded_at"])


# --- Coding answers: re-grade ---------------------------------------------------------------


def submission_regrade(submission: Submission, user) -> Regrade:
    """Grade a final submission again (a grader fix, an internal error that persisted).

    The submission row is reused, never duplicated (the database keeps one final
    submission per answer): its previous result is copied into a `Regrade`, then it goes
    back to `queued` (`grader.grading.submission_reset_for_regrade`) and the answer's score
    is cleared, so the grader's one-time final write (over queued/running rows only) and
    `answer_record_grade` (which only fills an empty score) apply again unchanged.
    Refused while a grade is still queued or running: two runs never race."""
    from grader.grading import submission_reset_for_regrade
    from grader.routing import submissions_enqueue

    with transaction.atomic():
        locked = (
            Submission.objects.select_for_update().select_related("answer").get(pk=submission.pk)
        )
        if locked.public_only:
            raise ReviewError(
                "Sample runs are not graded; only the final submission can be re-graded."
            )
        if locked.status not in FINAL_STATUSES:
            raise ReviewError("This submission is still being graded; wait for its result.")
        attempt = Attempt.objects.select_for_update().get(pk=locked.answer.attempt_id)
        regrade = Regrade.objects.create(
            submission=locked,
            requested_by=user,
            previous_status=locked.status,
            previous_verdict=locked.verdict,
            previous_score=locked.score,
            previous_report=locked.report,
        )
        submission_reset_for_regrade(locked)
        Answer.objects.filter(pk=locked.answer_id).update(
            score=None, correct=None, scored_at=None, scored_by=""
        )
        _reopen_result(attempt)
        transaction.on_commit(lambda: submissions_enqueue([locked.pk]))
    return regrade


# --- Distribution and export ----------------------------------------------------------------


def score_distribution(assessment: Assessment) -> list[int]:
    """How many graded attempts fall in each tenth of the score range: [0-10), ..., [90-100]."""
    bins = [0] * 10
    for score in Attempt.objects.filter(assessment=assessment, graded_at__isnull=False).values_list(
        "score_percent", flat=True
    ):
        bins[min(9, int((score or 0) // 10))] += 1
    return bins


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(value) -> object:
    """A cell a spreadsheet shows as text: strings starting like a formula get a leading
    apostrophe (OWASP's advice for CSV injection). Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
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
    writer = csv.writer(out)
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


def live_progress(attempt: Attempt) -> dict:
    """Answered / total and minutes left for an attempt in progress."""
    left = max(0, int((attempt.deadline - timezone.now()).total_seconds() // 60))
    return {
        "answered": getattr(attempt, "answered", None),
        "total": getattr(attempt, "question_count", None),
        "minutes_left": left,
    }
