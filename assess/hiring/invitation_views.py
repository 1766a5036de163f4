"""The hiring team's invitation pages under /org/<slug>/: inviting candidates (one, or a CSV
file), resend / revoke / extend / retry a link, a new link to copy, and the candidates page across assessments;
thin views over assess.hiring.invitations and selectors.

Every page goes through `org_view(roles)` and looks objects up *within* the organization
from the URL, so another organization's rows are a 404, never data (docs/roles.md).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from assess.orgs.access import BUILD, org_view
from assess.orgs.models import Organization
from assess.publicurl import public_base_url

from .delivery import emails_go_out
from .export import candidates_csv
from .forms import CandidateBulkForm, CandidateFilterForm, CsvInviteForm, ExtendForm, InviteForm
from .invitations import (
    candidates_bulk,
    extra_minutes_for,
    invitation_email_retry,
    invitation_extend,
    invitation_invite,
    invitation_link,
    invitation_new_link,
    invitation_resend,
    invitation_revoke,
    invitations_from_csv,
)
from .models import Assessment, Invitation
from .selectors import assessment_summary, candidates_list, invitation_row_state, stage_counts
from .services import RecruitingError

# --- Invitations ----------------------------------------------------------------------------


def _invitations_page(
    request: HttpRequest,
    org: Organization,
    role: str,
    assessment: Assessment,
    *,
    invite_form: InviteForm | None = None,
    csv_form: CsvInviteForm | None = None,
    csv_result=None,
    new_link: str | None = None,
    new_link_for: Invitation | None = None,
    new_link_emailed: bool = False,
) -> HttpResponse:
    invite_form, csv_form = invite_form or InviteForm(), csv_form or CsvInviteForm()
    rows = [
        (inv, invitation_row_state(inv)) for inv in candidates_list(org, assessment=assessment.pk)
    ]
    status = 400 if (csv_form.errors or invite_form.errors) else 200
    response = render(
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
            "new_link_for": new_link_for,
            "new_link_emailed": new_link_emailed,
            "emails_go_out": emails_go_out(),
            "extend_form": ExtendForm(),
            "problems": assessment_summary(assessment).problems,
        },
        status=status,
    )
    if new_link:
        # The link is a credential: shown in this one answer, never cached or redirected to.
        response["Cache-Control"] = "no-store"
    return response


@org_view(BUILD)
def invitations(
    request: HttpRequest, org: Organization, role: str, assessment_id: int
) -> HttpResponse:
    assessment = get_object_or_404(Assessment, organization=org, pk=assessment_id)
    invite_form, csv_form, csv_result = InviteForm(), CsvInviteForm(), None
    new_link, new_link_for = None, None
    if request.method == "POST" and "csv" in request.POST:
        csv_form = CsvInviteForm(request.POST, request.FILES)
        if csv_form.is_valid():
            try:
                csv_result = invitations_from_csv(
                    assessment,
                    csv_form.cleaned_data["file"].read(),
                    user=request.user,
                    base_url=public_base_url(request),
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
                    base_url=public_base_url(request),
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
                new_link, new_link_for = (
                    invitation_link(public_base_url(request), token),
                    invitation,
                )
                invite_form = InviteForm()
    return _invitations_page(
        request,
        org,
        role,
        assessment,
        invite_form=invite_form,
        csv_form=csv_form,
        csv_result=csv_result,
        new_link=new_link,
        new_link_for=new_link_for,
        new_link_emailed=new_link is not None and emails_go_out(),
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
            invitation_resend(invitation, base_url=public_base_url(request))
            messages.success(
                request,
                f"A new link is being emailed to {invitation.candidate_email}; the old one no "
                "longer works.",
            )
        elif action == "link":
            token = invitation_new_link(invitation)
            return _invitations_page(
                request,
                org,
                role,
                invitation.assessment,
                new_link=invitation_link(public_base_url(request), token),
                new_link_for=invitation,
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
                base_url=public_base_url(request),
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
