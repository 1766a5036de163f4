"""Item statistics of the bank's questions from candidates' responses, stored for the bank
editors' page and the admin.

The hiring app extracts the responses (it owns attempts) and hands them here as plain
`Response` rows; this module builds the response matrices, runs `quizzes.classical_item_analysis`
and replaces the stored figures. It never imports the hiring app.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import transaction
from django.db.models import Q

from .classical_item_analysis import item_statistics, reliability_statistics
from .models import AssessmentStatistics, ItemStatistics, Kind, Pool, Question, QuestionVersion

# Discrete numeric parameters define a variant; continuous ones vary within it.
VARIANT_SPECS = ("choice", "integer")


@dataclass(frozen=True)
class Response:
    """One drawn question of one submitted attempt."""

    attempt_id: int
    assessment_id: int
    version_id: int
    score: float | None  # fraction of the question's mark; None: not scored yet
    seconds: float | None = None
    drawn_values: Mapping | None = None


@dataclass(frozen=True)
class RefreshSummary:
    assessments: int
    item_rows: int
    questions_seen: int

    def __str__(self) -> str:
        return (
            f"statistics for {self.assessments} assessment(s), {self.item_rows} item row(s); "
            f"{self.questions_seen} question(s) seen by candidates"
        )


def variant_label(content: Mapping, drawn_values: Mapping | None) -> str:
    """A numeric question's variant: the values its discrete parameters took, e.g.
    "momentum=0.1, steps=4"; "" for other kinds or when every parameter is continuous."""
    if content.get("kind") != Kind.NUMERIC or not drawn_values:
        return ""
    names = [
        name
        for name, spec in content["params"].items()
        if isinstance(spec, Mapping) and set(spec) & set(VARIANT_SPECS)
    ]
    return ", ".join(f"{name}={drawn_values.get(name)}" for name in sorted(names))


def _matrix(responses: Sequence[Response], column_of) -> tuple[list, np.ndarray, np.ndarray]:
    attempts = sorted({r.attempt_id for r in responses})
    row = {attempt: i for i, attempt in enumerate(attempts)}
    columns = sorted({column_of(r) for r in responses})
    col = {c: j for j, c in enumerate(columns)}
    scores = np.full((len(attempts), len(columns)), np.nan)
    seconds = np.full_like(scores, np.nan)
    for r in responses:
        if r.score is None:
            continue
        i, j = row[r.attempt_id], col[column_of(r)]
        scores[i, j] = r.score
        if r.seconds is not None:
            seconds[i, j] = r.seconds
    return columns, scores, seconds


def _item_rows(
    assessment_id: int | None,
    responses: Sequence[Response],
    versions: Mapping[int, QuestionVersion],
    now: datetime,
) -> list[ItemStatistics]:
    def variant_of(r: Response) -> str:
        return variant_label(versions[r.version_id].content, r.drawn_values)

    rows = []
    for by_variant in (False, True):
        column_of = (
            (lambda r: (r.version_id, variant_of(r)))
            if by_variant
            else (lambda r: (r.version_id, ""))
        )
        columns, scores, seconds = _matrix(responses, column_of)
        variants_per_version: dict[int, int] = {}
        for version_id, _ in columns:
            variants_per_version[version_id] = variants_per_version.get(version_id, 0) + 1
        for (version_id, variant), figures in zip(
            columns, item_statistics(scores, seconds), strict=True
        ):
            if by_variant and (not variant or variants_per_version[version_id] < 2):
                continue  # the whole question's row already says it
            rows.append(
                ItemStatistics(
                    assessment_id=assessment_id,
                    version_id=version_id,
                    variant=variant,
                    responses=figures.responses,
                    facility=figures.facility,
                    sd=figures.sd,
                    discrimination=figures.discrimination,
                    discriminative_efficiency=figures.discriminative_efficiency,
                    median_seconds=figures.median_seconds,
                    mean_seconds=figures.mean_seconds,
                    flags=list(figures.flags),
                    computed_at=now,
                )
            )
    return rows


@transaction.atomic
def statistics_replace(
    responses: Iterable[Response],
    titles: Mapping[int, str],
    seen_by: Mapping[int, int],
    *,
    now: datetime,
    seen_in: Mapping[int, int] | None = None,
) -> RefreshSummary:
    """Recompute every stored figure from `responses` (submitted attempts), per assessment
    and over all of them; `seen_by` is candidates per question id (exposure), `seen_in`
    organizations per question id."""
    # Two refreshes at once (the hourly task and the command) take turns: each holds the
    # question rows it is about to update, so neither inserts beside the other's rows.
    list(Question.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    responses = list(responses)
    versions = QuestionVersion.objects.in_bulk({r.version_id for r in responses})
    by_assessment: dict[int, list[Response]] = {}
    for r in responses:
        by_assessment.setdefault(r.assessment_id, []).append(r)
    rows = _item_rows(None, responses, versions, now) if responses else []
    reliability = []
    for assessment_id, own in sorted(by_assessment.items()):
        rows += _item_rows(assessment_id, own, versions, now)
        _, scores, _ = _matrix(own, lambda r: r.version_id)
        figures = reliability_statistics(scores)
        reliability.append(
            AssessmentStatistics(
                assessment_id=assessment_id,
                title=titles.get(assessment_id, f"assessment {assessment_id}")[:200],
                attempts=figures.attempts,
                items_per_attempt=figures.items_per_attempt,
                mean_percent=figures.mean_percent,
                sd_percent=figures.sd_percent,
                alpha=figures.alpha,
                error_ratio=figures.error_ratio,
                sem_percent=figures.sem_percent,
                computed_at=now,
            )
        )
    ItemStatistics.objects.all().delete()
    AssessmentStatistics.objects.all().delete()
    ItemStatistics.objects.bulk_create(rows, batch_size=500)
    AssessmentStatistics.objects.bulk_create(reliability)
    exposure_store(seen_by, seen_in or {})
    return RefreshSummary(len(reliability), len(rows), sum(1 for n in seen_by.values() if n))


def exposure_store(seen_by: Mapping[int, int], seen_in: Mapping[int, int] | None = None) -> None:
    """Set each question's `seen_by` and `seen_in_organizations` (questions absent from
    the mappings: 0)."""
    seen_in = seen_in or {}
    Question.objects.exclude(pk__in=list(seen_by)).exclude(
        seen_by=0, seen_in_organizations=0
    ).update(seen_by=0, seen_in_organizations=0)
    changed = [
        q
        for q in Question.objects.filter(pk__in=list(seen_by))
        if (q.seen_by, q.seen_in_organizations) != (seen_by[q.pk], seen_in.get(q.pk, 0))
    ]
    for q in changed:
        q.seen_by, q.seen_in_organizations = seen_by[q.pk], seen_in.get(q.pk, 0)
    Question.objects.bulk_update(changed, ["seen_by", "seen_in_organizations"], batch_size=500)


def question_retire(questions) -> int:
    """Stop drawing these questions; loading the bank files again keeps them retired."""
    return questions.update(is_active=False, retired_in_admin=True)


def question_return(questions) -> int:
    """Undo `question_retire`. A question that has left the bank files meanwhile is
    retired again by the next `loadbank`."""
    return questions.filter(retired_in_admin=True).update(retired_in_admin=False, is_active=True)


# --- Reads for the bank editors' page ---------------------------------------------------


def statistics_rows(assessment_id: int | None = None, *, dubious_only: bool = False):
    """Item rows for one assessment (None: over all attempts), whole questions first and
    their numeric variants after them."""
    rows = ItemStatistics.objects.filter(
        Q(assessment_id=assessment_id)
        if assessment_id is not None
        else Q(assessment_id__isnull=True)
    ).select_related("version__question__topic")
    # The bank editors' page shows the bank: an organization's own questions are its own.
    rows = rows.exclude(version__question__pool=Pool.PRIVATE)
    if dubious_only:
        rows = rows.exclude(flags=[])
    return rows.order_by("version__question__key", "-version__number", "variant")


def over_exposed_questions(limit: int):
    """Active questions seen by more candidates than `limit`, most exposed first."""
    return (
        Question.objects.filter(is_active=True, seen_by__gt=limit)
        .exclude(pool=Pool.PRIVATE)
        .order_by("-seen_by", "key")
    )
