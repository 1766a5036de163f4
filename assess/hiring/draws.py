"""Which questions an assessment gives a candidate: each section's picks, then its random
draw (`assessment_questions`, which `attempt_start` freezes and the builder's preview
shows), and the pool an adaptive section draws from as the candidate answers
(`adaptive_pool`). Hiring questions only: practice ones never reach a test."""

from __future__ import annotations

import random

from assess.library.selectors import questions_for
from quizzes.draws import draw_questions
from quizzes.models import AUTO_SCORED_KINDS, Question, QuestionVersion

from .models import Assessment, Section
from .selectors import draw_pool, draw_scope, section_picks

# Only answers scored the moment they are given can steer the next question.
ADAPTIVE_KINDS = AUTO_SCORED_KINDS


def adaptive_usable():
    """Every question an adaptive section may ask: hiring ones of the auto-scored kinds."""
    return Question.objects.hiring().filter(kind__in=ADAPTIVE_KINDS)


def adaptive_pool(section: Section) -> list[Question]:
    """The questions an adaptive section may draw: its own plus those of its draw source
    (the bank unless the recruiter chose the library) matching its draw filters, auto-scored kinds only, in a stable order (by id). A section with no
    picks and no draw settings adapts over the whole bank (its filters read "any"): an
    empty pool is never what the recruiter who ticked "Adaptive" meant."""
    usable = questions_for(**draw_scope(section, section.assessment.organization)).filter(
        kind__in=ADAPTIVE_KINDS
    )
    matching = usable.none()
    # The section's picks may include the organization's own library questions.
    own = questions_for(section.assessment.organization).filter(
        kind__in=ADAPTIVE_KINDS, pk__in=section.questions.values("pk")
    )
    if (
        section.draw_kind
        or section.draw_level
        or section.draw_topic_id
        or section.draw_count
        or not section.questions.exists()
    ):
        matching = usable
        if section.draw_kind:
            matching = matching.filter(kind=section.draw_kind)
        if section.draw_level:
            matching = matching.filter(level=section.draw_level)
        if section.draw_topic_id:
            matching = matching.filter(topic_id=section.draw_topic_id)
    return list((matching | own).distinct().select_related("latest_version").order_by("pk"))


def _section_pick(
    section: Section, taken: set[int], reserved: set[int], rng: random.Random
) -> list[QuestionVersion]:
    """The section's questions: its picks, then its draw, which avoids the questions
    `taken` (ids) so far and those `reserved` (picked into any section of the test)."""
    explicit = [
        q
        for q in section_picks(section)
        if q.is_active and q.latest_version_id and q.pk not in taken
    ]
    taken.update(q.pk for q in explicit)
    chosen = [q.latest_version_id for q in explicit]
    if section.draw_count:
        blocked = taken | reserved
        pool = draw_pool(section, section.assessment.organization).exclude(pk__in=blocked)
        # At most one question of an exclusion group, none of a group already in the
        # attempt or picked into a later section, over-exposed questions less often
        # (docs/bank.md).
        candidates = list(
            pool.select_related(None).order_by("pk").only("key", "latest_version_id", "seen_by")
        )
        in_attempt = Question.objects.filter(pk__in=blocked).values_list("key", flat=True)
        drawn = draw_questions(candidates, section.draw_count, rng, avoid_keys=in_attempt)
        taken.update(q.pk for q in drawn)
        chosen += [q.latest_version_id for q in drawn]
    versions = QuestionVersion.objects.in_bulk(chosen)
    picked = [versions[vid] for vid in chosen]
    if section.assessment.shuffle_questions:
        rng.shuffle(picked)
    return picked


def assessment_questions(
    assessment: Assessment, rng: random.Random
) -> list[tuple[Section, QuestionVersion]]:
    """The questions one candidate gets, section by section: the picks, then the random
    draws (`rng` decides the draws and the shuffles). `attempt_start` freezes them; the
    builder's whole-test preview shows them."""
    taken: set[int] = set()
    frozen: list[tuple[Section, QuestionVersion]] = []
    sections = assessment.sections.select_related("draw_topic", "assessment__organization")
    sections = sections.filter(adaptive=False)  # adaptive ones are drawn as the candidate answers
    sections = list(sections.prefetch_related("picks__question").order_by("position", "id"))
    # A draw never takes a question the recruiter picked into a later section (the pick
    # would then be dropped as a repeat, and the test would be one question short).
    reserved = {q.pk for section in sections for q in section_picks(section) if q.is_active}
    for section in sections:
        frozen += [(section, version) for version in _section_pick(section, taken, reserved, rng)]
    return frozen
