"""Reads of the builder and the invitations page: the bank to pick from, an assessment's
summary and time estimate, an invitation's state."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    TextChoices,
    Value,
    When,
)
from django.utils import timezone

from assess.library.selectors import questions_for
from assess.library.topics import topics_for
from assess.orgs.models import Organization
from grader.routing import ungradable_problems
from quizzes.draws import Draw, bank_exclusion_groups, draws_capacity, exposure_weight
from quizzes.models import Kind, Level, Question
from quizzes.questions import (
    GPU_NEEDS,
    candidate_view,
    gpu_problems,
    question_placement,
)

from .models import Assessment, Decision, DrawSource, Invitation, Section


class GpuNeeds(TextChoices):
    """The bank table's grading filter."""

    GPU = "gpu", "Needs a GPU (preferred or required)"
    CPU = "cpu", "CPU only"


def bank_browse(
    *,
    kind: str = "",
    level: str = "",
    topic: str = "",
    search: str = "",
    gpu: str = "",
    organization: Organization | None = None,
    source: str = "",
) -> QuerySet[Question]:
    """Active questions of the hiring pool, with the `organization`'s own library beside
    them (`source` "bank" or "library" keeps one), filtered; `search` looks in the bank id
    and the prompt, `gpu` keeps the questions that want a GPU worker or those a CPU grades
    (GpuNeeds). Without an organization (draws, the API's bank): the bank alone."""
    questions = questions_for(organization, source).select_related("topic", "latest_version")
    if kind in Kind.values:
        questions = questions.filter(kind=kind)
    if level in Level.values:
        questions = questions.filter(level=level)
    if topic:
        questions = questions.filter(topic__slug=topic)
    if gpu in GpuNeeds.values:
        wants_gpu = Q(kind=Kind.CODING, latest_version__content__problem__in=gpu_problems())
        questions = questions.filter(wants_gpu if gpu == GpuNeeds.GPU else ~wants_gpu)
    search = search.strip()[:100]
    if search:
        questions = questions.filter(
            Q(key__icontains=search) | Q(latest_version__content__prompt__icontains=search)
        )
    return questions.order_by("topic__position", "level", "key")


BANK_PAGE_SIZE = 50

# The recruiter's previews draw a numeric question's values with this seed: the bank table
# and the question's preview show the same example values.
PREVIEW_SEED = 0


def bank_page(
    questions: QuerySet[Question], page: str | int | None, organization: Organization
) -> Page:
    """One page of the bank table; each question carries `gpu_needs` in words,
    `cannot_grade` (why no live worker can grade it now; "" when one can), `prompt` as a
    candidate reads it (a numeric question's placeholders filled with the preview's example
    values) and `over_exposed` (drawn less: seen by many candidates)."""
    current = Paginator(questions, BANK_PAGE_SIZE).get_page(page)
    gaps = ungradable_problems(organization=organization)
    for question in current:
        question.over_exposed = exposure_weight(question.seen_by) < 1
        version = question.latest_version
        question.gpu_needs = GPU_NEEDS.get(question_placement(version.content), "")
        question.cannot_grade = gaps.get(version.content.get("problem", ""), "")
        question.prompt = candidate_view(version, PREVIEW_SEED)["prompt"]
    return current


def gradable_for(questions: QuerySet[Question], organization: Organization) -> QuerySet[Question]:
    """The questions some live worker can grade for this organization (`ungradable_problems`):
    a coding problem that none can grade would wait for a worker forever."""
    gaps = ungradable_problems(organization=organization)
    if not gaps:
        return questions
    return questions.exclude(kind=Kind.CODING, latest_version__content__problem__in=list(gaps))


def draw_scope(section: Section, organization: Organization) -> dict:
    """`questions_for`'s arguments for the section's draw source (`DrawSource`): the bank's
    questions, the organization's own library's, or both; never another organization's."""
    if section.draw_source == DrawSource.BANK:
        return {"organization": None, "source": ""}
    library = section.draw_source == DrawSource.LIBRARY
    return {"organization": organization, "source": "library" if library else ""}


def draw_pool(section: Section, organization: Organization) -> QuerySet[Question]:
    """The questions a section's random draw chooses from (before excluding the questions
    already in the test): what `attempt_start` draws and the builder counts."""
    return gradable_for(
        bank_browse(
            kind=section.draw_kind,
            level=section.draw_level,
            topic=section.draw_topic.slug if section.draw_topic_id else "",
            **draw_scope(section, organization),
        ),
        organization,
    )


def draw_available(
    section: Section,
    organization: Organization,
    taken: set[int],
    *,
    groups: dict[str, str] | None = None,
) -> int:
    """How many questions the section's random draw can really get with the questions
    `taken` (ids) already in the test, other sections' draws aside: the draw holds at most
    one question of an exclusion group, none of a group already in the test (quizzes.draws)."""
    return draws_capacity([section_draw(section, organization, taken)], groups=groups)[0]


def section_draw(section: Section, organization: Organization, taken: set[int]) -> Draw:
    """The section's random draw as quizzes.draws counts it: its pool less the questions
    `taken` (ids) already in the test when `attempt_start` makes it, which it also avoids."""
    keys = draw_pool(section, organization).exclude(pk__in=taken).order_by()
    in_test = Question.objects.filter(pk__in=taken).values_list("key", flat=True)
    return Draw(list(keys.values_list("key", flat=True)), section.draw_count, list(in_test))


def section_picks(section: Section) -> list[Question]:
    """The section's picked questions in their order (uses a `picks__question` prefetch)."""
    return [pick.question for pick in section.picks.all()]


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
    # The questions' points added up (an adaptive section at its most questions).
    points: int = 0
    # Counts; drawn questions without a level / topic filter count under "any".
    levels: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    topics: Counter = field(default_factory=Counter)
    missing_topics: list[str] = field(default_factory=list)
    estimated_minutes: int = 0
    time_limit_minutes: int = 0
    short_draws: list[str] = field(default_factory=list)
    # Picked questions no live worker can grade for the organization: (bank id, why).
    ungradable: list[tuple[str, str]] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Why the assessment cannot be sent as it is, in the recruiter's words; empty
        when it can."""
        problems = []
        if not self.length:
            problems.append(
                "It has no questions yet: pick some from the bank or set a random draw."
            )
        problems += [f"{line}: lower the number or widen the filters." for line in self.short_draws]
        problems += [f"{key} cannot be graded: {why}. Remove it." for key, why in self.ungradable]
        if self.estimated_minutes > self.time_limit_minutes:
            problems.append(
                f"It takes about {self.estimated_minutes} minutes and the time limit is "
                f"{self.time_limit_minutes}: raise the limit or remove questions."
            )
        return problems

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
    organization = assessment.organization
    summary = AssessmentSummary(time_limit_minutes=assessment.time_limit_minutes)
    minutes = 0.0
    average = sum(MINUTES_PER_KIND.values()) / len(MINUTES_PER_KIND)
    taken: set[int] = set()
    gaps = ungradable_problems(organization=organization)
    groups = bank_exclusion_groups()
    draws: list[Draw] = []
    sections = list(
        assessment.sections.prefetch_related(
            "picks__question__topic", "picks__question__latest_version"
        ).select_related("draw_topic")
    )
    # What `attempt_start` keeps out of every draw: the questions picked into any section.
    reserved = {p.question_id for s in sections for p in s.picks.all() if p.question.is_active}
    for section in sections:
        if section.adaptive:
            summary.adaptive += section.adaptive_max_items
            summary.levels[ANY] += section.adaptive_max_items
            summary.kinds[ANY] += section.adaptive_max_items
            summary.topics[ANY] += section.adaptive_max_items
            summary.points += section.draw_points * section.adaptive_max_items
            minutes += MINUTES_PER_KIND[Kind.SINGLE_CHOICE] * section.adaptive_max_items
            continue
        for pick in section.picks.all():
            q = pick.question
            if not q.is_active or q.pk in taken:
                continue
            taken.add(q.pk)
            summary.points += pick.points
            problem = q.latest_version.content.get("problem") if q.kind == Kind.CODING else None
            if problem in gaps:
                summary.ungradable.append((q.key, gaps[problem]))
            summary.picked += 1
            summary.levels[q.level] += 1
            summary.kinds[q.kind] += 1
            summary.topics[q.topic.title] += 1
            minutes += MINUTES_PER_KIND.get(q.kind, average) * LEVEL_FACTOR.get(q.level, 1.0)
        if section.draw_count:
            # The draws are made one after the other and an attempt never repeats a
            # question: what the earlier draws may take is not there for this one.
            draws.append(section_draw(section, organization, reserved))
            available = draws_capacity(draws, groups=groups)[-1]
            count = min(section.draw_count, available)
            if count < section.draw_count:
                alone = draws_capacity(draws[-1:], groups=groups)[0]
                summary.short_draws.append(
                    f"{section.title}: asks for {section.draw_count} random questions, "
                    + (
                        f"the bank has {count} that {'fits' if count == 1 else 'fit'}"
                        if alone == available
                        else f"the bank has {alone} that {'fits' if alone == 1 else 'fit'} "
                        "but the random draws of the "
                        f"sections before it can take {alone - available} of them, leaving "
                        f"{count}"
                    )
                )
            summary.drawn += count
            summary.points += section.draw_points * count
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
            t.title for t in topics_for(assessment.organization) if t.title not in summary.topics
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


# --- The candidates across assessments -------------------------------------------------------


class Stage(TextChoices):
    """Where a candidate is in the hiring pipeline, derived from their invitation, attempt
    and the team's decision (a decision outranks the test's progress)."""

    INVITED = "invited", "Invited"
    STARTED = "started", "Started"
    SUBMITTED = "submitted", "Submitted"
    GRADED = "graded", "Graded"
    REVIEWED = "reviewed", "Reviewed"
    ADVANCED = "advanced", "Advanced"
    REJECTED = "rejected", "Rejected"


def candidates_list(
    organization: Organization,
    *,
    stage: str = "",
    assessment: int | None = None,
    search: str = "",
) -> QuerySet[Invitation]:
    """The organization's candidates (one row per invitation) with their `stage`, newest
    first; filtered by stage, assessment and a name or email search."""
    from assess.attempts.models import Answer, AttemptStatus

    reviewed = Exists(
        Answer.objects.filter(attempt=OuterRef("attempt"), scored_by__startswith="reviewer:")
    )
    rows = (
        Invitation.objects.filter(organization=organization)
        .select_related("assessment", "attempt")
        .annotate(
            stage=Case(
                When(decision=Decision.ADVANCED, then=Value(Stage.ADVANCED)),
                When(decision=Decision.REJECTED, then=Value(Stage.REJECTED)),
                When(attempt__isnull=True, then=Value(Stage.INVITED)),
                When(attempt__status=AttemptStatus.IN_PROGRESS, then=Value(Stage.STARTED)),
                When(attempt__graded_at__isnull=True, then=Value(Stage.SUBMITTED)),
                When(reviewed, then=Value(Stage.REVIEWED)),
                default=Value(Stage.GRADED),
                output_field=CharField(),
            )
        )
    )
    if stage in Stage.values:
        rows = rows.filter(stage=stage)
    if assessment:
        rows = rows.filter(assessment_id=assessment)
    search = search.strip()[:100]
    if search:
        rows = rows.filter(
            Q(candidate_name__icontains=search) | Q(candidate_email__icontains=search)
        )
    return rows.order_by("-created_at", "-pk")


def candidate_stage(invitation: Invitation) -> str:
    """The candidate's stage in words, as the candidates page says it (one vocabulary for
    the list and the report: "Reviewed" in one is "Reviewed" in the other)."""
    value = (
        candidates_list(invitation.organization)
        .filter(pk=invitation.pk)
        .values_list("stage", flat=True)
        .first()
    )
    return Stage(value).label if value else ""


def invitation_row_state(invitation: Invitation) -> str:
    """The invitations page's status: a started candidate's stage, in the candidates page's
    words (`candidates_list` annotates it), else whether the link still works."""
    if getattr(invitation, "attempt", None) is not None and getattr(invitation, "stage", ""):
        return Stage(invitation.stage).label
    return invitation_state(invitation)


def stage_counts(organization: Organization) -> dict[str, int]:
    """How many candidates are at each stage (every stage listed, zeros included)."""
    counts = dict(
        candidates_list(organization)
        .order_by()
        .values_list("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    return {value: counts.get(value, 0) for value in Stage.values}
