"""Reads of the builder and the invitations page: the bank to pick from, an assessment's
summary and time estimate, an invitation's state."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from quizzes.models import Kind, Level, Question, Topic

from .models import Assessment, Invitation


def bank_browse(
    *, kind: str = "", level: str = "", topic: str = "", search: str = ""
) -> QuerySet[Question]:
    """Active questions of the bank, filtered; `search` looks in the bank id and the prompt."""
    questions = Question.objects.filter(
        is_active=True, latest_version__isnull=False
    ).select_related("topic", "latest_version")
    if kind in Kind.values:
        questions = questions.filter(kind=kind)
    if level in Level.values:
        questions = questions.filter(level=level)
    if topic:
        questions = questions.filter(topic__slug=topic)
    search = search.strip()[:100]
    if search:
        questions = questions.filter(
            Q(key__icontains=search) | Q(latest_version__content__prompt__icontains=search)
        )
    return questions.order_by("topic__position", "level", "key")


# Minutes a candidate needs per question, by kind; senior questions take longer.
MINUTES_PER_KIND = {
    Kind.SINGLE_CHOICE: 1.5,
    Kind.MULTIPLE_CHOICE: 2.0,
    Kind.NUMERIC: 3.0,
    Kind.WRITTEN: 6.0,
    Kind.CODING: 20.0,
}


LEVEL_FACTOR = {Level.JUNIOR: 1.0, Level.MID: 1.25, Level.SENIOR: 1.5}


ANY = "any"


@dataclass
class AssessmentSummary:
    length: int = 0
    picked: int = 0
    drawn: int = 0
    adaptive: int = 0  # the most an adaptive section may ask
    # Counts; drawn questions without a level / topic filter count under "any".
    levels: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    topics: Counter = field(default_factory=Counter)
    missing_topics: list[str] = field(default_factory=list)
    estimated_minutes: int = 0
    short_draws: list[str] = field(default_factory=list)

    # Lists for templates (a Counter answers 0 to the template's `.items` lookup).
    @property
    def level_rows(self) -> list[tuple[str, int]]:
        order = {lv: i for i, lv in enumerate([*Level.values, ANY])}
        return sorted(self.levels.items(), key=lambda kv: order.get(kv[0], 99))

    @property
    def kind_rows(self) -> list[tuple[str, int]]:
        return sorted(self.kinds.items())

    @property
    def topic_rows(self) -> list[tuple[str, int]]:
        return sorted(self.topics.items())


def assessment_summary(assessment: Assessment) -> AssessmentSummary:
    """Length, level mix, topic coverage and an estimated duration of the assessment, as
    `attempt_start` would build it (picked questions, then draws)."""
    summary = AssessmentSummary()
    minutes = 0.0
    average = sum(MINUTES_PER_KIND.values()) / len(MINUTES_PER_KIND)
    taken: set[int] = set()
    for section in assessment.sections.prefetch_related("questions__topic").select_related(
        "draw_topic"
    ):
        if section.adaptive:
            summary.adaptive += section.adaptive_max_items
            summary.levels[ANY] += section.adaptive_max_items
            summary.kinds[ANY] += section.adaptive_max_items
            summary.topics[ANY] += section.adaptive_max_items
            minutes += MINUTES_PER_KIND[Kind.SINGLE_CHOICE] * section.adaptive_max_items
            continue
        for q in section.questions.all():
            if not q.is_active or q.pk in taken:
                continue
            taken.add(q.pk)
            summary.picked += 1
            summary.levels[q.level] += 1
            summary.kinds[q.kind] += 1
            summary.topics[q.topic.title] += 1
            minutes += MINUTES_PER_KIND.get(q.kind, average) * LEVEL_FACTOR.get(q.level, 1.0)
        if section.draw_count:
            available = bank_browse(
                kind=section.draw_kind,
                level=section.draw_level,
                topic=section.draw_topic.slug if section.draw_topic else "",
            ).exclude(pk__in=taken)
            count = min(section.draw_count, available.count())
            if count < section.draw_count:
                summary.short_draws.append(
                    f"{section.title}: asks for {section.draw_count} random questions, the bank has {count}"
                )
            summary.drawn += count
            summary.levels[section.draw_level or ANY] += count
            summary.kinds[section.draw_kind or ANY] += count
            summary.topics[section.draw_topic.title if section.draw_topic else ANY] += count
            per = MINUTES_PER_KIND.get(section.draw_kind, average) * LEVEL_FACTOR.get(
                section.draw_level, 1.25
            )
            minutes += per * count
    summary.length = summary.picked + summary.drawn + summary.adaptive
    summary.estimated_minutes = int(round(minutes))
    if ANY not in summary.topics:
        summary.missing_topics = [
            t.title for t in Topic.objects.all() if t.title not in summary.topics
        ]
    return summary


def invitation_state(invitation: Invitation) -> str:
    attempt = getattr(invitation, "attempt", None)
    if attempt is not None:
        return attempt.get_status_display()
    if invitation.revoked_at:
        return "Revoked"
    if invitation.expires_at <= timezone.now():
        return "Expired"
    return "Not started"
