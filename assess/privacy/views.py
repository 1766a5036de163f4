"""The privacy pages: thin views over `assess.privacy`.

The organization's admin: settings (notice text, contact, periods), what retention erases
in the next 30 days, legal holds, the audit trail, and per candidate an export or an
erasure. The candidate, through their own link while it works: a copy of their data, or
its erasure.
"""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assess.attempts.decorators import candidate_page
from assess.attempts.services import InvitationExpired, invitation_check_open
from assess.hiring.models import Invitation
from assess.orgs.access import MANAGE, org_view
from assess.orgs.models import Organization
from assess.orgs.views import org_settings_page

from .export import candidate_export
from .forms import CandidateSearchForm, EraseForm, HoldForm, privacy_settings_form
from .models import AuditAction, AuditSource, PrivacyAuditEntry
from .policy import PrivacyError, privacy_settings_of
from .retention import retention_due_now, retention_upcoming
from .selectors import candidates_matching
from .services import (
    audit_record,
    candidate_erase,
    hold_lift,
    hold_place,
    invitation_of,
    privacy_settings_update,
)

AUDIT_SHOWN = 50
SEARCH_RESULTS = 50


def _refused(request: HttpRequest, org: Organization, role: str, error: PrivacyError):
    return render(
        request,
        "assess/privacy/refused.html",
        {"org": org, "role": role, "message": error.message},
        status=error.status,
    )


def _export_response(data: dict, *, as_json: bool, request: HttpRequest, context: dict):
    if as_json:
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="candidate-data-{data["invitation"]["id"]}.json"'
        )
    else:
        response = render(request, "assess/privacy/export.html", {**context, "data": data})
    # A copy of someone's personal data: kept by no browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


# --- The organization's admin ---------------------------------------------------------------


@require_POST
@org_view(MANAGE)
def privacy_settings_save(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    form = privacy_settings_form(org, request.POST)
    if not form.is_valid():
        return org_settings_page(request, org, role, privacy_form=form, status=400)
    privacy_settings_update(org, **form.cleaned_data, actor=request.user)
    messages.success(request, "Saved: the privacy notice and retention periods.")
    # Shorter periods can make data due at once: say so before the daily run erases it.
    due = retention_due_now(org)
    if due:
        messages.warning(
            request,
            f"With these periods, the data of {due} candidate(s) is due now and will be "
            "erased at the next daily run, unless held (see Candidates' data).",
        )
    return redirect("org:org_settings", org_slug=org.slug)


@require_GET
@org_view(MANAGE)
def privacy_overview(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    search = CandidateSearchForm(request.GET if "q" in request.GET else None)
    found = None
    if search.is_bound and search.is_valid():
        found = candidates_matching(org, search.cleaned_data["q"], limit=SEARCH_RESULTS)
    return render(
        request,
        "assess/privacy/overview.html",
        {
            "org": org,
            "role": role,
            "periods": privacy_settings_of(org),
            "upcoming": retention_upcoming(org),
            "search": search,
            "found": found,
            "audit": PrivacyAuditEntry.objects.filter(organization=org).select_related("actor")[
                :AUDIT_SHOWN
            ],
        },
        status=400 if search.is_bound and not search.is_valid() else 200,
    )


def org_candidate(view):
    """An admin's page about one candidate of the URL's organization: the id in the URL
    (any text: it is checked here) resolves to the invitation, or a clear refusal; another
    organization's candidate is "no such candidate"."""

    @org_view(MANAGE)
    @wraps(view)
    def wrapper(request, org, role, invitation_id: str, *args, **kwargs):
        try:
            invitation = invitation_of(org, invitation_id)
        except PrivacyError as error:
            return _refused(request, org, role, error)
        return view(request, org, role, invitation, *args, **kwargs)

    return wrapper


def _candidate_page(request, org, role, invitation, *, hold_form=None, erase_form=None):
    invalid = any(form is not None and form.errors for form in (hold_form, erase_form))
    return render(
        request,
        "assess/privacy/candidate.html",
        {
            "org": org,
            "role": role,
            "invitation": invitation,
            "data": candidate_export(invitation),
            "hold_form": hold_form or HoldForm(),
            "erase_form": erase_form or EraseForm(),
        },
        status=400 if invalid else 200,
    )


def _back_to(org, invitation):
    return redirect("org:privacy_candidate", org.slug, invitation.pk)


@require_GET
@org_candidate
def candidate_data(request, org, role, invitation) -> HttpResponse:
    """One candidate: what is held, a hold, an export, an erasure."""
    return _candidate_page(request, org, role, invitation)


@require_POST
@org_candidate
def candidate_hold_place(request, org, role, invitation) -> HttpResponse:
    form = HoldForm(request.POST)
    if not form.is_valid():
        return _candidate_page(request, org, role, invitation, hold_form=form)
    try:
        hold_place(invitation, form.cleaned_data["reason"], actor=request.user)
    except PrivacyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The candidate's data is now on legal hold.")
    return _back_to(org, invitation)


@require_POST
@org_candidate
def candidate_hold_lift(request, org, role, invitation) -> HttpResponse:
    try:
        hold_lift(invitation, actor=request.user)
    except PrivacyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The legal hold is lifted.")
    return _back_to(org, invitation)


@require_POST
@org_candidate
def candidate_data_erase(request, org, role, invitation) -> HttpResponse:
    form = EraseForm(request.POST)
    if not form.is_valid():
        return _candidate_page(request, org, role, invitation, erase_form=form)
    try:
        candidate_erase(invitation, source=AuditSource.ADMIN, actor=request.user)
    except PrivacyError as error:
        messages.error(request, error.message)
        return _back_to(org, invitation)
    messages.success(request, "The candidate's data was erased.")
    return redirect("org:privacy", org.slug)


@require_GET
@org_candidate
def candidate_data_export(request, org, role, invitation, fmt: str) -> HttpResponse:
    data = candidate_export(invitation)
    audit_record(org.pk, AuditAction.EXPORTED, AuditSource.ADMIN, actor=request.user)
    return _export_response(
        data, as_json=fmt == "json", request=request, context={"org": org, "role": role}
    )


# --- The candidate, through their link ------------------------------------------------------


def _link_still_valid(invitation: Invitation) -> None:
    """The link opens the candidate's data only while it works; once it does not, say whom
    to ask instead."""
    try:
        invitation_check_open(invitation, timezone.now())
    except InvitationExpired:
        contact = privacy_settings_of(invitation.organization).contact
        whom = contact or f"the hiring team at {invitation.organization.name}"
        raise InvitationExpired(
            f"This link no longer works, so it cannot open your data. For a copy of your "
            f"data, or its erasure, ask {whom}."
        ) from None


@require_GET
@candidate_page
def my_data(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    _link_still_valid(invitation)
    return render(
        request,
        "assess/privacy/my_data.html",
        {"token": token, "invitation": invitation, "form": EraseForm()},
    )


@require_GET
@candidate_page
def my_data_export(
    request: HttpRequest, invitation: Invitation, token: str, fmt: str
) -> HttpResponse:
    _link_still_valid(invitation)
    data = candidate_export(invitation)
    audit_record(invitation.organization_id, AuditAction.EXPORTED, AuditSource.CANDIDATE)
    return _export_response(data, as_json=fmt == "json", request=request, context={"token": token})


@require_POST
@candidate_page
def my_data_erase(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    _link_still_valid(invitation)
    form = EraseForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "assess/privacy/my_data.html",
            {"token": token, "invitation": invitation, "form": form},
            status=400,
        )
    organization = invitation.organization
    contact = privacy_settings_of(organization).contact
    try:
        candidate_erase(invitation, source=AuditSource.CANDIDATE)
    except PrivacyError as error:
        return render(
            request,
            "assess/refusal.html",
            {"message": error.message},
            status=error.status,
        )
    return render(
        request,
        "assess/privacy/erased.html",
        {"organization": organization, "contact": contact},
    )
