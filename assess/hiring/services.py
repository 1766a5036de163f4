"""The builder's actions: creating, editing, duplicating and archiving assessments, their
sections, the questions picked into them, their points, random draws and adaptive settings.
Inviting candidates to an assessment is `assess.hiring.invitations`.

Views call these functions; none of them knows about requests. Who may call them is
`assess.orgs.access`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from assess.library.selectors import owned_questions
from assess.orgs.models import Organization
from grader.routing import ungradable_problems
from quizzes.errors import UserError
from quizzes.models import Kind, Pool, Question, Topic

from .draws import ADAPTIVE_KINDS, adaptive_pool
from .models import MAX_POINTS, MIN_POINTS, Assessment, DrawSource, Section, SectionQuestion
from .selectors import draw_available


class RecruitingError(UserError):
    """A request that cannot be honoured, in words for the person who made it."""


ASSESSMENT_FIELDS = (
    "title",
    "instructions",
    "invitation_message",
    "time_limit_minutes",
    "pass_mark",
    "shuffle_questions",
    "shuffle_choices",
)

ADAPTIVE_FIELDS = (
    "adaptive",
    "adaptive_min_items",
    "adaptive_max_items",
    "adaptive_target_se",
    "adaptive_exposure",
)


@transaction.atomic
def assessment_create(organization: Organization, user, **fields) -> Assessment:
    """A new assessment with one empty section to pick questions into."""
    assessment = Assessment.objects.create(
        organization=organization,
        created_by=user,
        **{k: v for k, v in fields.items() if k in ASSESSMENT_FIELDS},
    )
    Section.objects.create(assessment=assessment, title="Questions", position=0)
    return assessment


def assessment_update(assessment: Assessment, **fields) -> Assessment:
    changed = [k for k in ASSESSMENT_FIELDS if k in fields]
    for name in changed:
        setattr(assessment, name, fields[name])
    assessment.save(update_fields=changed)
    return assessment


@transaction.atomic
def assessment_duplicate(assessment: Assessment, user) -> Assessment:
    """A copy with the same settings and sections, not archived, without invitations."""
    copy = Assessment.objects.create(
        organization=assessment.organization,
        created_by=user,
        title=f"{assessment.title} (copy)"[:200],
        **{k: getattr(assessment, k) for k in ASSESSMENT_FIELDS if k != "title"},
    )
    for section in assessment.sections.all():
        new = Section.objects.create(
            assessment=copy,
            title=section.title,
            position=section.position,
            draw_count=section.draw_count,
            draw_kind=section.draw_kind,
            draw_level=section.draw_level,
            draw_topic=section.draw_topic,
            draw_points=section.draw_points,
            **{name: getattr(section, name) for name in ADAPTIVE_FIELDS},
        )
        SectionQuestion.objects.bulk_create(
            SectionQuestion(
                section=new,
                question_id=pick.question_id,
                position=pick.position,
                points=pick.points,
            )
            for pick in section.picks.all()
        )
    return copy


def assessment_archive(assessment: Assessment, *, archived: bool = True) -> Assessment:
    assessment.archived_at = timezone.now() if archived else None
    assessment.save(update_fields=["archived_at"])
    return assessment


def section_add(assessment: Assessment, title: str) -> Section:
    position = (
        assessment.sections.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    return Section.objects.create(
        assessment=assessment, title=title.strip()[:200] or "Questions", position=position
    )


def section_pick(section: Section, question: Question) -> None:
    """Add a bank question at the end of the section."""
    if not question.is_active or question.latest_version_id is None:
        raise RecruitingError("This question is retired from the bank.")
    organization = section.assessment.organization
    if question.pool == Pool.PRIVATE:
        # Only the organization's own library question; another's reads as unknown.
        if not owned_questions(organization).filter(pk=question.pk).exists():
            raise RecruitingError("Unknown question.")
    elif question.pool != Pool.HIRING:
        raise RecruitingError(
            f"{question.key} is a public practice question (anyone can read its answer); "
            "a hiring test takes hiring questions only."
        )
    content = question.latest_version.content
    if question.kind == Kind.CODING:
        why = ungradable_problems(organization=organization).get(content.get("problem", ""))
        if why:
            raise RecruitingError(f"{question.key} cannot be graded: {why}.")
    with transaction.atomic():
        Section.objects.select_for_update().get(pk=section.pk)  # two picks never share a place
        if SectionQuestion.objects.filter(
            section__assessment=section.assessment_id, question=question
        ).exists():
            raise RecruitingError(f"{question.key} is already in this assessment.")
        last = section.picks.order_by("-position").values_list("position", flat=True).first()
        SectionQuestion.objects.create(
            section=section, question=question, position=0 if last is None else last + 1
        )


@transaction.atomic
def section_set_picks(section: Section, questions: list[Question]) -> None:
    """Replace the section's picks with `questions`, in this order."""
    section.picks.all().delete()
    SectionQuestion.objects.bulk_create(
        SectionQuestion(section=section, question=q, position=i) for i, q in enumerate(questions)
    )


def section_unpick(section: Section, question: Question) -> None:
    section.picks.filter(question=question).delete()


@transaction.atomic
def section_move(section: Section, question: Question, offset: int) -> None:
    """Move a pick `offset` places (-1: up, +1: down) within its section; the ends stay put."""
    Section.objects.select_for_update().get(pk=section.pk)
    picks = list(section.picks.all())
    index = next((i for i, p in enumerate(picks) if p.question_id == question.pk), None)
    if index is None:
        raise RecruitingError(f"{question.key} is not in this section.")
    target = min(max(index + offset, 0), len(picks) - 1)
    picks.insert(target, picks.pop(index))
    for position, pick in enumerate(picks):
        pick.position = position
    SectionQuestion.objects.bulk_update(picks, ["position"])


POINTS_ERROR = f"Points are a whole number from {MIN_POINTS} to {MAX_POINTS}."


def points_check(points: int) -> None:
    """What a question may be worth, for the builder's forms and the API alike."""
    if isinstance(points, bool) or not isinstance(points, int):
        raise RecruitingError(POINTS_ERROR)
    if not MIN_POINTS <= points <= MAX_POINTS:
        raise RecruitingError(POINTS_ERROR)


def section_set_points(section: Section, question: Question, points: int) -> None:
    """What a picked question is worth in the attempts started from now on."""
    points_check(points)
    if not section.picks.filter(question=question).update(points=points):
        raise RecruitingError(f"{question.key} is not in this section.")


# How a refusal names where a draw takes its questions from.
DRAW_SOURCE_WORDS = {
    DrawSource.BANK: "the bank",
    DrawSource.LIBRARY: "your library",
    DrawSource.BOTH: "the bank and your library",
}


def section_set_draw(
    section: Section,
    *,
    count: int,
    kind: str = "",
    level: str = "",
    topic: Topic | None = None,
    points: int | None = None,
    source: str = DrawSource.BANK,
) -> Section:
    """Draw `count` random questions from `source` (`DrawSource`) matching the filters, each
    worth `points` (None: as before); refused when the source (less the questions already in
    the assessment) has fewer."""
    if not 0 <= count <= 100:
        raise RecruitingError("Draw between 0 and 100 questions.")
    if source not in DrawSource.values:
        raise RecruitingError("Draw from the bank, your library or both.")
    if points is not None:
        points_check(points)
        section.draw_points = points
    section.draw_count, section.draw_kind, section.draw_level, section.draw_topic = (
        count,
        kind,
        level,
        topic,
    )
    section.draw_source = source
    if count:
        picked = SectionQuestion.objects.filter(section__assessment=section.assessment_id)
        others = section.assessment.sections.exclude(pk=section.pk).filter(draw_count__gt=0)
        available = draw_available(
            section,
            section.assessment.organization,
            set(picked.values_list("question_id", flat=True)),
        )
        if count > available:
            one = available == 1
            where = DRAW_SOURCE_WORDS[source]
            raise RecruitingError(
                f"{where[0].upper()}{where[1:]} {'have' if source == DrawSource.BOTH else 'has'} "
                f"{available} question{'' if one else 's'} that "
                f"{'fits' if one else 'fit'} these filters"
                + (f" and {'is' if one else 'are'} not picked already" if picked.exists() else "")
                + f"; {count} cannot be drawn."
                + (f" Other sections' draws take from {where} too." if others.exists() else "")
            )
    section.save(
        update_fields=[
            "draw_count",
            "draw_kind",
            "draw_level",
            "draw_topic",
            "draw_points",
            "draw_source",
        ]
    )
    return section


def section_set_adaptive(section: Section, **settings) -> Section:
    """Make the section adaptive (or fixed again) with its stopping and exposure settings."""
    for name in ADAPTIVE_FIELDS:
        setattr(section, name, settings[name])
    if section.adaptive_min_items > section.adaptive_max_items:
        raise RecruitingError("Adaptive section: the minimum is more than the maximum.")
    try:
        section.adaptive_rule()
    except ValueError as exc:
        raise RecruitingError(f"Adaptive section: {exc}.") from None
    if section.adaptive:
        if section.draw_kind and section.draw_kind not in ADAPTIVE_KINDS:
            raise RecruitingError(
                "An adaptive section draws only choice and numeric questions (scored at once)."
            )
        pool = len(adaptive_pool(section))
        if pool < section.adaptive_min_items:
            raise RecruitingError(
                f"The adaptive pool has {pool} choice or numeric questions; it needs at least "
                f"the minimum of {section.adaptive_min_items}. Widen the draw filters."
            )
    section.save(update_fields=list(ADAPTIVE_FIELDS))
    return section


def section_delete(section: Section) -> None:
    if section.assessment.sections.count() <= 1:
        raise RecruitingError("An assessment keeps at least one section.")
    section.delete()
