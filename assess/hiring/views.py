"""The hiring team's assessment pages under /org/<slug>/: the list, the builder, previews,
duplicate and archive; thin views over assess.hiring.services and selectors. Invitations and
the candidates page are `invitation_views.py`.

Every page goes through `org_view(roles)`: the organization comes from the URL, the user's
membership and role in it are checked, and every object is then looked up *within* that
organization, so another organization's rows are a 404, never data (docs/roles.md).
"""

from __future__ import annotations

import random

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from assess.library.selectors import questions_for, questions_known_to
from assess.library.topics import topics_for
from assess.orgs.access import BUILD, org_view
from assess.orgs.models import Organization
from quizzes.models import Kind, Level, Question
from quizzes.questions import candidate_view, correct_answer_text

from .draws import adaptive_pool, assessment_questions
from .forms import (
    AdaptiveForm,
    AssessmentForm,
    BankFilterForm,
    DrawForm,
    PointsForm,
    SectionForm,
)
from .models import Assessment, DrawSource, Section
from .selectors import (
    PREVIEW_SEED,
    assessment_summary,
    bank_browse,
    bank_page,
)
from .services import (
    RecruitingError,
    assessment_archive,
    assessment_create,
    assessment_duplicate,
    assessment_update,
    section_add,
    section_delete,
    section_move,
    section_pick,
    section_set_adaptive,
    section_set_draw,
    section_set_points,
    section_unpick,
)


def _assessment(org: Organization, assessment_id: int) -> Assessment:
    return get_object_or_404(Assessment, organization=org, pk=assessment_id)


# --- Assessments and the builder ------------------------------------------------------------


@require_GET
@org_view(BUILD)
def assessment_list(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    show_archived = request.GET.get("archived") == "1"
    assessments = org.assessments.filter(archived_at__isnull=not show_archived).order_by(
        "-created_at"
    )
    return render(
        request,
        "assess/recruiter/assessment_list.html",
        {
            "org": org,
            "role": role,
            "assessments": assessments,
            "show_archived": show_archived,
        },
    )


@org_view(BUILD)
def assessment_new(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        assessment = assessment_create(org, request.user, **form.cleaned_data)
        messages.success(request, "Assessment created: now add questions from the bank.")
        return redirect("org:builder", org_slug=org.slug, assessment_id=assessment.pk)
    return render(
        request, "assess/recruiter/assessment_form.html", {"org": org, "role": role, "form": form}
    )


@org_view(BUILD)
def builder(request: HttpRequest, org: Organization, role: str, assessment_id: int) -> HttpResponse:
    assessment = _assessment(org, assessment_id)
    form = AssessmentForm(request.POST or None, instance=assessment)
    if request.method == "POST":
        if form.is_valid():
            assessment_update(assessment, **form.cleaned_data)
            messages.success(request, "Settings saved.")
            return redirect("org:builder", org_slug=org.slug, assessment_id=assessment.pk)
    filters = BankFilterForm(request.GET or None, organization=org)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    bank = bank_browse(
        kind=criteria.get("kind", ""),
        level=criteria.get("level", ""),
        topic=criteria.get("topic", ""),
        search=criteria.get("q", ""),
        gpu=criteria.get("gpu", ""),
        organization=org,
        source=criteria.get("source", ""),
    )
    sections = list(
        assessment.sections.prefetch_related("picks__question__topic").select_related("draw_topic")
    )
    in_use = {p.question_id for s in sections for p in s.picks.all()}
    page = bank_page(bank, request.GET.get("page"), org)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assess/recruiter/builder.html",
        {
            "org": org,
            "role": role,
            "assessment": assessment,
            "form": form,
            "filters": filters,
            "bank": page,
            "bank_total": page.paginator.count,
            "filter_query": query.urlencode(),
            "sections": sections,
            "in_use": in_use,
            "summary": assessment_summary(assessment),
            "kind_choices": [("", "Any kind"), *Kind.choices],
            "level_choices": [("", "Any level"), *Level.choices],
            "topics": topics_for(org),
            "draw_source_choices": DrawSource.choices,
            "section_form": SectionForm(),
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@org_view(BUILD)
def question_preview(
    request: HttpRequest, org: Organization, role: str, question_id: int
) -> HttpResponse:
    """A bank question as a candidate will see it (the same `candidate_view` the test page
    uses), with its answer key below for the recruiter."""
    question = get_object_or_404(
        questions_for(org).select_related("latest_version", "topic"), pk=question_id
    )
    version = question.latest_version
    seed = PREVIEW_SEED
    return render(
        request,
        "assess/recruiter/question_preview.html",
        {
            "org": org,
            "role": role,
            "question": question,
            "view": candidate_view(version, seed),
            "content": version.content,
            "key": correct_answer_text(version, seed),
            "back": request.GET.get("back", ""),
        },
    )


@require_GET
@org_view(BUILD)
def assessment_preview(
    request: HttpRequest, org: Organization, role: str, assessment_id: int
) -> HttpResponse:
    """The whole test as one candidate would get it (one random draw: "another draw"
    shows a different one), through the same `candidate_view` as the test page."""
    assessment = _assessment(org, assessment_id)
    try:
        draw = int(request.GET.get("draw", "1"))
    except ValueError:
        draw = 1
    questions = [
        (section, version, candidate_view(version, draw))
        for section, version in assessment_questions(assessment, random.Random(draw))
    ]
    # An adaptive section has no fixed list: its questions follow the candidate's answers.
    adaptive = [
        (section, len(adaptive_pool(section)))
        for section in assessment.sections.filter(adaptive=True).order_by("position", "id")
    ]
    return render(
        request,
        "assess/recruiter/assessment_preview.html",
        {
            "org": org,
            "role": role,
            "assessment": assessment,
            "questions": questions,
            "adaptive_sections": adaptive,
            "next_draw": draw % 1_000_000 + 1,
            "summary": assessment_summary(assessment),
        },
    )


def _builder_redirect(
    request: HttpRequest, org: Organization, assessment: Assessment
) -> HttpResponse:
    url = reverse("org:builder", kwargs={"org_slug": org.slug, "assessment_id": assessment.pk})
    query = request.POST.get("query", "")
    return redirect(f"{url}?{query}" if query and len(query) < 500 else url)


def _section(org: Organization, assessment_id: int, section_id: int) -> Section:
    return get_object_or_404(
        Section.objects.select_related("assessment__organization"),
        pk=section_id,
        assessment_id=assessment_id,
        assessment__organization=org,
    )


@require_POST
@org_view(BUILD)
def section_new(
    request: HttpRequest, org: Organization, role: str, assessment_id: int
) -> HttpResponse:
    assessment = _assessment(org, assessment_id)
    form = SectionForm(request.POST)
    if form.is_valid():
        section_add(assessment, form.cleaned_data["title"])
    else:
        messages.error(request, "A section needs a title.")
    return _builder_redirect(request, org, assessment)


def _posted_question(request: HttpRequest) -> Question:
    # Another organization's library question reads as unknown, like an id never used.
    try:
        return (
            questions_known_to(request.org)
            .select_related("latest_version")
            .get(pk=int(request.POST.get("question", "")))
        )
    except (ValueError, Question.DoesNotExist):
        raise RecruitingError("Unknown question.") from None


def _form_problems(form, *, labels: bool = False) -> str:
    if labels:
        return "; ".join(f"{form[f].label}: {e}" for f, errs in form.errors.items() for e in errs)
    return "; ".join(e for errs in form.errors.values() for e in errs)


def _pick(request: HttpRequest, section: Section) -> None:
    section_pick(section, _posted_question(request))


def _unpick(request: HttpRequest, section: Section) -> None:
    section_unpick(section, _posted_question(request))


def _move_up(request: HttpRequest, section: Section) -> None:
    section_move(section, _posted_question(request), -1)


def _move_down(request: HttpRequest, section: Section) -> None:
    section_move(section, _posted_question(request), 1)


def _set_points(request: HttpRequest, section: Section) -> None:
    question = _posted_question(request)
    form = PointsForm(request.POST)
    if not form.is_valid():
        raise RecruitingError(f"{question.key}: {form.errors['points'][0]}")
    section_set_points(section, question, form.cleaned_data["points"])


def _set_draw(request: HttpRequest, section: Section) -> None:
    form = DrawForm(request.POST, organization=section.assessment.organization)
    if not form.is_valid():
        raise RecruitingError("Random draw: " + _form_problems(form))
    data = form.cleaned_data
    section_set_draw(
        section,
        count=data["draw_count"],
        kind=data["draw_kind"],
        level=data["draw_level"],
        topic=data["draw_topic"],
        points=data["draw_points"],
        source=data["draw_source"] or DrawSource.BANK,
    )


def _set_adaptive(request: HttpRequest, section: Section) -> None:
    form = AdaptiveForm(request.POST)
    if not form.is_valid():
        raise RecruitingError("Adaptive section: " + _form_problems(form, labels=True))
    section_set_adaptive(section, **form.cleaned_data)


def _delete(request: HttpRequest, section: Section) -> None:
    section_delete(section)


# The builder's section actions, by the name in their URL (hiring/urls.py).
SECTION_ACTIONS = {
    "pick": _pick,
    "unpick": _unpick,
    "up": _move_up,
    "down": _move_down,
    "points": _set_points,
    "draw": _set_draw,
    "adaptive": _set_adaptive,
    "delete": _delete,
}


@require_POST
@org_view(BUILD)
def section_change(
    request: HttpRequest,
    org: Organization,
    role: str,
    assessment_id: int,
    section_id: int,
    action: str,
) -> HttpResponse:
    """One of the builder's SECTION_ACTIONS on a section; a refusal is said on the builder."""
    if action not in SECTION_ACTIONS:
        raise Http404("Unknown action")
    section = _section(org, assessment_id, section_id)
    try:
        SECTION_ACTIONS[action](request, section)
    except RecruitingError as exc:
        messages.error(request, str(exc))
    return _builder_redirect(request, org, section.assessment)


@require_POST
@org_view(BUILD)
def assessment_copy(
    request: HttpRequest, org: Organization, role: str, assessment_id: int
) -> HttpResponse:
    copy = assessment_duplicate(_assessment(org, assessment_id), request.user)
    messages.success(request, f"Duplicated as “{copy.title}”.")
    return redirect("org:builder", org_slug=org.slug, assessment_id=copy.pk)


@require_POST
@org_view(BUILD)
def assessment_set_archived(
    request: HttpRequest, org: Organization, role: str, assessment_id: int
) -> HttpResponse:
    archived = request.POST.get("archived") != "0"
    assessment = assessment_archive(_assessment(org, assessment_id), archived=archived)
    messages.success(request, f"“{assessment.title}” {'archived' if archived else 'restored'}.")
    return redirect("org:assessment_list", org_slug=org.slug)
