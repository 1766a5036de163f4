"""The review dashboard's reads: the attempts list (also the API's), the report's figures
(its words are `report_words` and `level_words`), the score distribution, a live attempt's
progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from assess.attempts.integrity import IntegritySummary
from assess.attempts.models import Answer, Attempt, AttemptStatus, CandidateLevel
from assess.hiring.models import Assessment
from assess.orgs.models import Organization
from assess.review.level_words import SOURCE_NAMES, certainty_words, level_report
from assess.review.report_words import report_notes, response_words, scored_by_words, verdict_words
from assess.scoring import attempt_results, frozen_points
from quizzes.models import Kind
from quizzes.questions import candidate_view, correct_answer_text

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
    # The API's polling filters: started / graded at or after an instant.
    started_after: datetime | None = None
    graded_after: datetime | None = None
    sort: str = "date"


def attempts_list(organization: Organization, filters: AttemptFilters) -> QuerySet[Attempt]:
    """The organization's attempts, filtered and sorted; each with its count of answers
    answered (`answered`) and in total (`question_count`) for the progress of live ones.
    The one list of attempts: the review dashboard, its export and the API read it."""
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
    if filters.level in CandidateLevel.values:
        attempts = attempts.filter(level_estimate=filters.level)
    if filters.min_score is not None:
        attempts = attempts.filter(score_percent__gte=filters.min_score)
    if filters.max_score is not None:
        attempts = attempts.filter(score_percent__lte=filters.max_score)
    if filters.since:
        attempts = attempts.filter(started_at__date__gte=filters.since)
    if filters.until:
        attempts = attempts.filter(started_at__date__lte=filters.until)
    if filters.started_after is not None:
        attempts = attempts.filter(started_at__gte=filters.started_after)
    if filters.graded_after is not None:
        attempts = attempts.filter(graded_at__gte=filters.graded_after)
    attempts = attempts.annotate(
        question_count=Count("answers", distinct=True),
        answered=Count("answers", filter=Q(answers__response__isnull=False), distinct=True),
    )
    order = SORTS.get(filters.sort, SORTS["date"])
    return attempts.order_by(order, "-pk")


# Below this many graded attempts of the same assessment a percentile says too little.
PERCENTILE_MIN_PEERS = 5


@dataclass
class Standing:
    percentile: int  # share of the other graded candidates scoring strictly lower
    peers: int


def attempt_standing(attempt: Attempt) -> Standing | None:
    """Where the attempt's score stands among the other graded attempts of the same
    assessment; None until it is graded and there are enough of them."""
    if attempt.graded_at is None:
        return None
    others = Attempt.objects.filter(
        assessment_id=attempt.assessment_id, graded_at__isnull=False
    ).exclude(pk=attempt.pk)
    peers = others.count()
    if peers < PERCENTILE_MIN_PEERS:
        return None
    lower = others.filter(score_percent__lt=attempt.score_percent).count()
    return Standing(percentile=round(100 * lower / peers), peers=peers)


def attempt_misconceptions(attempt: Attempt) -> list[str]:
    """The known mistakes the grader recognized in the candidate's code, by title."""
    from grader.models import Submission

    reports = Submission.objects.filter(
        answer__attempt=attempt, public_only=False, report__isnull=False
    ).values_list("report", flat=True)
    titles = []
    for report in reports:
        diagnosis = (report or {}).get("diagnosis") or {}
        if report.get("verdict") != "accepted" and diagnosis.get("title"):
            titles.append(diagnosis["title"])
    return list(dict.fromkeys(titles))


def report_context(attempt: Attempt) -> dict:
    results = attempt_results(attempt)
    return {
        "results": results,
        "level": level_report(results),
        # The adaptive draw, step by step, for audit (assess.attempts.adaptive).
        "adaptive_steps": attempt.adaptive_record,
        "standing": attempt_standing(attempt),
        "misconceptions": attempt_misconceptions(attempt),
        "notes": report_notes(results, attempt.assessment.pass_mark),
        "topic_chart": {
            "labels": [t.label for t in results.topics],
            "values": [t.percent for t in results.topics],
        },
    }


def score_distribution(assessment: Assessment) -> list[int]:
    """How many graded attempts fall in each tenth of the score range: [0-10), ..., [90-100]."""
    bins = [0] * 10
    for score in Attempt.objects.filter(assessment=assessment, graded_at__isnull=False).values_list(
        "score_percent", flat=True
    ):
        bins[min(9, int((score or 0) // 10))] += 1
    return bins


def live_progress(attempt: Attempt) -> dict:
    """Answered / total and minutes left for an attempt in progress."""
    left = max(0, int((attempt.deadline - timezone.now()).total_seconds() // 60))
    return {
        "answered": getattr(attempt, "answered", None),
        "total": getattr(attempt, "question_count", None),
        "minutes_left": left,
    }


def _reviewer_names(answers: list[Answer]) -> dict[int, str]:
    from django.contrib.auth import get_user_model

    ids = {
        int(a.scored_by.split(":", 1)[1])
        for a in answers
        if a.scored_by.startswith("reviewer:") and a.scored_by.split(":", 1)[1].isdigit()
    }
    users = get_user_model().objects.filter(pk__in=ids)
    return {u.pk: u.get_full_name() or u.get_username() for u in users}


def question_answers(attempt: Attempt) -> list[Answer]:
    """The attempt's answers in order, each with the prompt as that candidate read it
    (`prompt`: a numeric question's values filled in), who scored it in words
    (`scored_by_text`), what it is worth (`points`) and earned (`earned`, None while
    waiting): what the report's question table shows."""
    answers = list(
        attempt.answers.select_related("question_version__question__topic")
        .prefetch_related("submissions", "rubric_reviews__reviewer")
        .order_by("position")
    )
    reviewers = _reviewer_names(answers)
    points = frozen_points(attempt)
    for answer in answers:
        answer.points = points.of(answer)
        answer.earned = None if answer.score is None else answer.score * answer.points
        answer.prompt = candidate_view(answer.question_version, answer.seed)["prompt"]
        answer.scored_by_text = scored_by_words(answer.scored_by, reviewers)
    return answers


def review_answers(attempt: Attempt, signals: IntegritySummary) -> list[Answer]:
    """The attempt's answers as `question_answers` gives them, each with what the review
    page shows beside it: the final submission, its verdict in words and its checks, the
    answer key, the picked choices in words, the time spent and the characters pasted."""
    answers = question_answers(attempt)
    for answer in answers:
        answer.final_submission = next(
            (s for s in answer.submissions.all() if not s.public_only), None
        )
        answer.content = answer.question_version.content
        answer.key_text = correct_answer_text(answer.question_version, answer.seed)
        answer.response_text = response_words(answer.content, answer.response)
        if answer.final_submission and answer.final_submission.verdict:
            answer.verdict_label = verdict_words(answer.final_submission.verdict)
        if answer.final_submission and answer.final_submission.report:
            checks = answer.final_submission.report.get("checks") or []
            answer.checks_passed = sum(1 for c in checks if c.get("passed"))
            answer.checks_total = len(checks)
        answer.seconds = signals.seconds_per_question.get(answer.position)
        answer.pasted = signals.pastes_per_question.get(answer.position)
    return answers


def written_queue(organization: Organization) -> QuerySet[Answer]:
    """Written answers of submitted attempts still waiting for a reviewer's score, oldest
    submission first: the queue a reviewer works through across attempts."""
    return (
        Answer.objects.filter(
            attempt__organization=organization,
            attempt__status=AttemptStatus.SUBMITTED,
            question_version__question__kind=Kind.WRITTEN,
            score__isnull=True,
            response__isnull=False,
        )
        .exclude(response="")
        .select_related("attempt__invitation", "attempt__assessment", "question_version__question")
        .order_by("attempt__submitted_at", "attempt_id", "position")
    )


COMPARE_MAX = 4


@dataclass
class Comparison:
    attempts: list[Attempt]
    # (topic, [percent or None per attempt]) for every topic any of them was asked about.
    topics: list[tuple[str, list[float | None]]]


def attempts_compare(organization: Organization, attempt_ids: list[int]) -> Comparison:
    """Up to four of the organization's attempts side by side: total, level, time taken
    and the percent per topic (None where a candidate had no question of that topic)."""
    attempts = list(
        Attempt.objects.filter(organization=organization, pk__in=attempt_ids[:COMPARE_MAX])
        .select_related("invitation", "assessment")
        .order_by("-score_percent", "pk")
    )
    per_attempt = []
    for attempt in attempts:
        results = attempt_results(attempt)
        per_attempt.append({t.label: t.percent for t in results.topics})
        attempt.level_headline = results.headline
        if results.headline:
            attempt.level_certainty = certainty_words(
                results.headline.certainty, results.headline.scored_answers
            )
            attempt.level_source = SOURCE_NAMES[results.headline.source]
        attempt.minutes_taken = (
            round((attempt.submitted_at - attempt.started_at).total_seconds() / 60)
            if attempt.submitted_at
            else None
        )
    labels = sorted({label for topics in per_attempt for label in topics})
    return Comparison(
        attempts=attempts,
        topics=[(label, [topics.get(label) for topics in per_attempt]) for label in labels],
    )
