"""The hiring team's pages under /org/<slug>/: thin views over assess.hiring (services, selectors).

Every page goes through `org_view(roles)`: the organization comes from the URL, the user's
membership and role in it are checked, and every object is then looked up *within* that
organization, so another organization's rows are a 404, never data (docs/roles.md).
"""

from __future__ import annotations

import random

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from assess.attempts.services import assessment_questions
from assess.orgs.access import BUILD, org_view
from assess.orgs.models import Organization
from assess.review.export import candidates_csv
from quizzes.models import Kind, Level, Question, Topic
from quizzes.questions import candidate_view, correct_answer_text

from .forms import (
    AdaptiveForm,
    AssessmentForm,
    BankFilterForm,
    CandidateBulkForm,
    CandidateFilterForm,
    CsvInviteForm,
    DrawForm,
    ExtendForm,
    InviteForm,
    PointsForm,
    SectionForm,
)
from .models import Assessment, Invitation, Section
from .selectors import (
    PREVIEW_SEED,
    assessment_summary,
    bank_browse,
    bank_page,
    candidates_list,
    invitation_state,
    stage_counts,
)
from .services import (
    RecruitingError,
    assessment_archive,
    assessment_create,
    assessment_duplicate,
    assessment_update,
    candidates_bulk,
    extra_minutes_for,
    invitation_email_retry,
    invitation_extend,
    invitation_invite,
    invitation_link,
    invitation_resend,
    invitation_revoke,
    invitations_from_csv,
    section_add,
    section_delete,
    section_move,
    section_pick,
    section_set_adaptive,
    section_set_draw,
    section_set_points,
    section_unpick,
)


def _base_url(request: HttpRequest) -> str:
    return settings.ASSESS_PUBLIC_URL or request.build_absolute_uri("/")


def _assessment(org: Organization, assessment_id: int) -> Assessment:
    return get_object_or_404(Assessment, organization=org, pk=assessment_id)


# --- Landing --------------------------------------------------------------------------------


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
    filters = BankFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    bank = bank_browse(
        kind=criteria.get("kind", ""),
        level=criteria.get("level", ""),
        topic=criteria.get("topic", ""),
        search=criteria.get("q", ""),
        gpu=criteria.get("gpu", ""),
    )
    sections = list(
        assessment.sections.prefetch_related("picks__question__topic").select_related("draw_topic")
    )
    in_use = {p.question_id for s in sections for p in s.picks.all()}
    page = bank_page(bank, request.GET.get("page"))
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
            "topics": Topic.objects.all(),
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
        Question.objects.select_related("latest_version", "topic"),
        pk=question_id,
        is_active=True,
        latest_version__isnull=False,
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
    return render(
        request,
        "assess/recruiter/assessment_preview.html",
        {
            "org": org,
            "role": role,
            "assessment": assessment,
            "questions": questions,
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
    """pick / unpick / move a question up or down / set its points, set the random draw,
    delete the section."""
    section = _section(org, assessment_id, section_id)
    try:
        if action in ("pick", "unpick", "up", "down", "points"):
            try:
                question = Question.objects.select_related("latest_version").get(
                    pk=int(request.POST.get("question", ""))
                )
            except (ValueError, Question.DoesNotExist):
                raise RecruitingError("Unknown question.") from None
            if action == "points":
                form = PointsForm(request.POST)
                if not form.is_valid():
                    raise RecruitingError(f"{question.key}: {form.errors['points'][0]}")
                section_set_points(section, question, form.cleaned_data["points"])
            elif action == "pick":
                section_pick(section, question)
            elif action == "unpick":
                section_unpick(section, question)
            else:
                section_move(section, question, -1 if action == "up" else 1)
        elif action == "draw":
            form = DrawForm(request.POST)
            if not form.is_valid():
                raise RecruitingError(
                    "Random draw: " + "; ".join(e for errs in form.errors.values() for e in errs)
                )
            data = form.cleaned_data
            section_set_draw(
                section,
                count=data["draw_count"],
                kind=data["draw_kind"],
                level=data["draw_level"],
                topic=data["draw_topic"],
                points=data["draw_points"],
            )
        elif action == "adaptive":
            form = AdaptiveForm(request.POST)
            if not form.is_valid():
                raise RecruitingError(
                    "Adaptive section: "
                    + "; ".join(
                        f"{form[f].label}: {e}" for f, errs in form.errors.items() for e in errs
                    )
                )
            section_set_adaptive(section, **form.cleaned_data)
        elif action == "delete":
            section_delete(section)
        else:
            raise Http404("Unknown action")
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


# --- Invitations ----------------------------------------------------------------------------


@org_view(BUILD)
def invitations(
    request: HttpRequest, org: Organization, role: str, assessment_id: int
) -> HttpResponse:
    assessment = _assessment(org, assessment_id)
    invite_form, csv_form, csv_result, new_link = InviteForm(), CsvInviteForm(), None, None
    if request.method == "POST" and "csv" in request.POST:
        csv_form = CsvInviteForm(request.POST, request.FILES)
        if csv_form.is_valid():
            try:
                csv_result = invitations_from_csv(
                    assessment,
                    csv_form.cleaned_data["file"].read(),
                    user=request.user,
                    base_url=_base_url(request),
                )
            except RecruitingError as exc:
                csv_form.add_error("file", str(exc))
    elif request.method == "POST":
        invite_form = InviteForm(request.POST)
        if invite_form.is_valid():
            data = invite_form.cleaned_data
            try:
                invitation, token = invitation_invite(
                    assessment,
                    name=data["candidate_name"],
                    email=data["candidate_email"],
                    user=request.user,
                    base_url=_base_url(request),
                    days=data["days"],
                    extra_minutes=extra_minutes_for(
                        assessment,
                        percent=data["extra_percent"] or 0,
                        minutes=data["extra_minutes"] or 0,
                    ),
                )
            except RecruitingError as exc:
                invite_form.add_error(None, str(exc))
            else:
                new_link = invitation_link(_base_url(request), token)
                messages.success(
                    request,
                    f"Invitation created; its email to {invitation.candidate_email} is on its way.",
                )
                invite_form = InviteForm()
    rows = [
        (inv, invitation_state(inv))
        for inv in assessment.invitations.select_related("attempt").order_by("-created_at")
    ]
    status = 400 if (csv_form.errors or invite_form.errors) else 200
    return render(
        request,
        "assess/recruiter/invitations.html",
        {
            "org": org,
            "role": role,
            "assessment": assessment,
            "invite_form": invite_form,
            "csv_form": csv_form,
            "csv_result": csv_result,
            "rows": rows,
            "new_link": new_link,
            "extend_form": ExtendForm(),
            "problems": assessment_summary(assessment).problems,
        },
        status=status,
    )


@require_POST
@org_view(BUILD)
def invitation_change(
    request: HttpRequest, org: Organization, role: str, invitation_id: int, action: str
) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.select_related("assessment__organization"),
        pk=invitation_id,
        organization=org,
    )
    try:
        if action == "resend":
            invitation_resend(invitation, base_url=_base_url(request))
            messages.success(
                request,
                f"A new link is being emailed to {invitation.candidate_email}; the old one no "
                "longer works.",
            )
        elif action == "retry-email":
            invitation_email_retry(invitation)
            messages.success(request, f"The email to {invitation.candidate_email} is sent again.")
        elif action == "revoke":
            invitation_revoke(invitation)
            messages.success(request, f"The link of {invitation.candidate_name} no longer works.")
        elif action == "extend":
            form = ExtendForm(request.POST)
            if not form.is_valid():
                raise RecruitingError("Extend by 1 to 90 days.")
            invitation_extend(invitation, form.cleaned_data["days"])
            messages.success(
                request,
                f"The link of {invitation.candidate_name} now works until "
                f"{invitation.expires_at:%d %b %Y}.",
            )
        else:
            raise Http404("Unknown action")
    except RecruitingError as exc:
        messages.error(request, str(exc))
    return redirect("org:invitations", org_slug=org.slug, assessment_id=invitation.assessment_id)


# --- Candidates across assessments ----------------------------------------------------------


def _candidate_rows(org: Organization, form: CandidateFilterForm):
    data = form.cleaned_data if form.is_valid() else {}
    return candidates_list(
        org,
        stage=data.get("stage", ""),
        assessment=data["assessment"].pk if data.get("assessment") else None,
        search=data.get("q", ""),
    )


@org_view(BUILD)
def candidates(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    """Every candidate of the organization with their stage; bulk advance / reject /
    remind / export of the ticked ones."""
    filters = CandidateFilterForm(request.GET or None, organization=org)
    if request.method == "POST":
        bulk = CandidateBulkForm(request.POST)
        if not bulk.is_valid():
            messages.error(request, "Tick at least one candidate, then choose an action.")
        elif bulk.cleaned_data["action"] == "compare":
            attempts = candidates_list(org).filter(
                pk__in=bulk.cleaned_data["selected"], attempt__isnull=False
            )
            query = "&".join(f"attempt={pk}" for pk in attempts.values_list("attempt", flat=True))
            return redirect(
                f"{reverse('org:attempts_compare', kwargs={'org_slug': org.slug})}?{query}"
            )
        elif bulk.cleaned_data["action"] == "export":
            rows = candidates_list(org).filter(pk__in=bulk.cleaned_data["selected"])
            response = HttpResponse(candidates_csv(rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{org.slug}-candidates.csv"'
            return response
        else:
            outcome = candidates_bulk(
                org,
                bulk.cleaned_data["selected"],
                bulk.cleaned_data["action"],
                base_url=_base_url(request),
            )
            verb = {"advance": "advanced", "reject": "rejected", "remind": "reminded"}
            done = len(outcome.done)
            messages.success(
                request,
                f"{done} candidate{'s' if done != 1 else ''} {verb[bulk.cleaned_data['action']]}.",
            )
            for line in outcome.skipped:
                messages.warning(request, f"Skipped {line}")
        url = reverse("org:candidates", kwargs={"org_slug": org.slug})
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    rows = _candidate_rows(org, filters)
    return render(
        request,
        "assess/recruiter/candidates.html",
        {
            "org": org,
            "role": role,
            "filters": filters,
            "rows": rows[:500],
            "count": rows.count(),
            "stages": stage_counts(org),
            "query": request.GET.urlencode(),
        },
    )


# --- The report a recruiter reads -----------------------------------------------------------
