"""What the API needs beyond the recruiter pages' functions (assess.hiring.services), built on
them: an assessment from bank queries in one call, and organization-scoped selectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet

from assess.hiring import services as recruiting
from assess.hiring.models import DrawSource
from assess.hiring.selectors import bank_browse, section_draw
from assess.hiring.services import DRAW_SOURCE_WORDS
from assess.library.authoring import author_key, stored_key
from assess.library.topics import topics_for
from quizzes.draws import Draw, bank_exclusion_groups, draws_capacity
from quizzes.errors import UserError
from quizzes.models import Pool, Question, Topic

from ..models import Assessment, Attempt, AttemptStatus, Invitation, Organization, Section
from .errors import FIELDS_INVALID


class SpecError(UserError):
    """An assessment specification that cannot be built; `fields` maps a field path to
    its messages, as a validation error would."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__(FIELDS_INVALID, fields=fields)


# An organization's own question is named `library:<its id>` where a bank id would go: a
# library id may be a bank id too (each organization chooses its own), and neither has a colon.
LIBRARY_PREFIX = "library:"


def question_ref(question: Question, organization_id: int) -> str:
    """How the API names a picked question: its bank id, or `library:<id>` for one of the
    organization's own (never the stored key, which carries our row id)."""
    if question.pool == Pool.PRIVATE:
        return LIBRARY_PREFIX + author_key(organization_id, question.key)
    return question.key


def topic_ref(topic: Topic | None, organization_id: int) -> str | None:
    """A draw's topic as the API names it: the bank's slug, or the organization's own id."""
    if topic is None:
        return None
    return author_key(organization_id, topic.slug) if topic.private else topic.slug


def questions_named(organization: Organization, refs: list[str]) -> dict[str, Question]:
    """The usable questions `refs` name that the organization may pick, by ref: bank ids
    from the hiring bank, `library:<id>` from its own published library."""
    own = {
        stored_key(organization.pk, ref.removeprefix(LIBRARY_PREFIX)): ref
        for ref in refs
        if ref.startswith(LIBRARY_PREFIX)
    }
    bank = [ref for ref in refs if not ref.startswith(LIBRARY_PREFIX)]
    found = {q.key: q for q in bank_browse().filter(key__in=bank)}
    library = bank_browse(organization=organization, source=DrawSource.LIBRARY)
    found.update({own[q.key]: q for q in library.filter(key__in=own)})
    return found


def draw_topic_named(organization: Organization, ref: str) -> Topic | None:
    """A bank topic by slug, else one of the organization's own by its id (the two never
    share an id: a topic the bank has cannot be added to a library)."""
    own = stored_key(organization.pk, ref)
    bank_or_own = Q(private=False, slug=ref) | Q(private=True, slug=own)
    return topics_for(organization).filter(bank_or_own).first()


@dataclass
class SectionSpec:
    title: str
    questions: list[str] = field(default_factory=list)  # bank ids and `library:<id>`s
    draw_count: int = 0
    draw_kind: str = ""
    draw_level: str = ""
    draw_topic: str = ""  # topic slug
    points: dict[str, int] = field(default_factory=dict)  # bank id -> points, for `questions`
    draw_points: int | None = None  # each drawn question's; None: the builder's default
    draw_source: str = DrawSource.BANK


def assessment_create_from_queries(
    organization: Organization,
    *,
    title: str,
    sections: list[SectionSpec],
    created_by=None,
    **settings_fields,
) -> Assessment:
    """A new assessment of `organization` built with the recruiter pages' own functions
    (assess.hiring.services). Raises `SpecError`, naming the field, when a bank id or topic is
    unknown, a draw asks for more questions than the bank has, or no question would be
    asked at all; nothing is created then."""
    errors: dict[str, list[str]] = {}
    resolved: list[tuple[SectionSpec, list[Question], Topic | None]] = []
    total = 0
    named = questions_named(organization, [key for spec in sections for key in spec.questions])
    reserved = {question.pk for question in named.values()}
    draws: list[Draw] = []
    groups = bank_exclusion_groups()
    for index, spec in enumerate(sections):
        keys = list(dict.fromkeys(spec.questions))
        found = {key: named[key] for key in keys if key in named}
        missing = [key for key in keys if key not in found]
        if missing:
            errors[f"sections.{index}.questions"] = [
                f"Unknown or retired questions: {', '.join(missing)} (bank ids, or "
                f"{LIBRARY_PREFIX}<id> for your library's published questions)."
            ]
        errors.update(_points_errors(index, spec))
        topic = None
        if spec.draw_topic:
            topic = draw_topic_named(organization, spec.draw_topic)
            if topic is None:
                errors[f"sections.{index}.draw.topic"] = [f"Unknown topic {spec.draw_topic!r}."]
        if spec.draw_count and (topic is not None or not spec.draw_topic):
            # The builder's count (hiring.selectors): the pool `attempt_start` draws from,
            # one question per exclusion group, none picked, none the draws of the
            # sections before it may take.
            unsaved = Section(
                draw_count=spec.draw_count,
                draw_kind=spec.draw_kind,
                draw_level=spec.draw_level,
                draw_topic=topic,
                draw_source=spec.draw_source,
            )
            draws.append(section_draw(unsaved, organization, reserved))
            available = draws_capacity(draws, groups=groups)[-1]
            if available < spec.draw_count:
                errors[f"sections.{index}.draw.count"] = [
                    f"Only {available} questions of {DRAW_SOURCE_WORDS[spec.draw_source]} are "
                    f"sure to be left for this draw; asked for {spec.draw_count}."
                ]
        total += len(found) + spec.draw_count
        resolved.append((spec, [found[k] for k in keys if k in found], topic))
    if not errors and total == 0:
        errors["sections"] = ["The assessment would ask no question: name bank ids or draw some."]
    if errors:
        raise SpecError(errors)
    with transaction.atomic():
        assessment = recruiting.assessment_create(
            organization, created_by, title=title, **settings_fields
        )
        for index, (spec, questions, topic) in enumerate(resolved):
            if index == 0:
                # assessment_create makes the first section; it takes the first spec's title.
                section = assessment.sections.get()
                section.title = spec.title
                section.save(update_fields=["title"])
            else:
                section = recruiting.section_add(assessment, spec.title)
            for question in questions:
                try:
                    recruiting.section_pick(section, question)
                except recruiting.RecruitingError as exc:
                    raise SpecError({f"sections.{index}.questions": [str(exc)]}) from None
                ref = question_ref(question, organization.pk)
                if ref in spec.points:
                    recruiting.section_set_points(section, question, spec.points[ref])
            if spec.draw_count or spec.draw_points is not None:
                recruiting.section_set_draw(
                    section,
                    count=spec.draw_count,
                    kind=spec.draw_kind,
                    level=spec.draw_level,
                    topic=topic,
                    points=spec.draw_points,
                    source=spec.draw_source,
                )
    return assessment


def _points_errors(index: int, spec: SectionSpec) -> dict[str, list[str]]:
    """The builder's rule (`points_check`) on each point value of a section, naming the
    field; a bank id missing from the section's `questions` would be silently ignored."""
    errors: dict[str, list[str]] = {}
    strangers = [key for key in spec.points if key not in spec.questions]
    if strangers:
        named = ", ".join(repr(key[:80]) for key in strangers[:5])
        errors[f"sections.{index}.points"] = [
            f"Not among this section's questions: {named}{' ...' if len(strangers) > 5 else ''}."
        ]
    for key, points in spec.points.items():
        if key in spec.questions:
            try:
                recruiting.points_check(points)
            except recruiting.RecruitingError as exc:
                errors.setdefault(f"sections.{index}.points.{key}", []).append(str(exc))
    if spec.draw_points is not None:
        try:
            recruiting.points_check(spec.draw_points)
        except recruiting.RecruitingError as exc:
            errors[f"sections.{index}.draw.points"] = [str(exc)]
    return errors


# --- Selectors: everything the API reads is scoped to one organization --------------------


def attempt_state(attempt: Attempt) -> str:
    """in_progress, grading (submitted, some answer still waiting) or graded."""
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return "in_progress"
    return "graded" if attempt.graded_at is not None else "grading"


def assessments_of(organization: Organization) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(organization=organization)
        .prefetch_related("sections__picks__question", "sections__draw_topic")
        .order_by("-created_at", "-id")
    )


def invitations_of(
    organization: Organization, *, assessment_id: int | None = None
) -> QuerySet[Invitation]:
    qs = Invitation.objects.filter(organization=organization).select_related("attempt")
    if assessment_id is not None:
        qs = qs.filter(assessment_id=assessment_id)
    return qs.order_by("-created_at", "-id")
