"""The organization admin's audit trail page: filter, retention, CSV export."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from assess.orgs.access import MANAGE, org_view
from assess.orgs.models import Organization
from assess.spreadsheet import csv_safe

from . import events
from .forms import AuditFilterForm, AuditRetentionForm
from .retention import audit_retention_days, audit_retention_set
from .selectors import audit_event_names_of, audit_events_of
from .trail import record_event

PAGE_SIZE = 100
CSV_COLUMNS = ("time (UTC)", "event", "by", "address", "target type", "target id", "details")


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _filtered(request: HttpRequest, org: Organization):
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, audit_events_of(org, **form.cleaned_data)
    if form.is_bound:
        return form, None
    return form, audit_events_of(org)


def _page(request, org, role, *, retention_form=None, status=200) -> HttpResponse:
    form, found = _filtered(request, org)
    page = None
    if found is not None:
        page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assess/audit/trail.html",
        {
            "org": org,
            "role": role,
            "form": form,
            "page": page,
            "event_names": sorted(set(events.KNOWN) | set(audit_event_names_of(org))),
            "retention_form": retention_form
            or AuditRetentionForm(initial={"days": audit_retention_days(org)}),
            # The filters without the page number, for the export and the next page's links.
            "query": _without_page(request),
        },
        status=status if found is not None else 400,
    )


@require_GET
@org_view(MANAGE)
def audit_trail(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    return _page(request, org, role)


@require_GET
@org_view(MANAGE)
def audit_export(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    form, found = _filtered(request, org)
    if found is None:
        return _page(request, org, role)
    record_event(events.AUDIT_EXPORTED, request, details={"filters": request.GET.urlencode()})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{org.slug}.csv"'
    writer = csv.writer(response, quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    for row in found.iterator():
        writer.writerow(
            csv_safe(value)
            for value in (
                row.at.strftime("%Y-%m-%d %H:%M:%S"),
                row.event,
                row.actor_label,
                row.address,
                row.target_type,
                row.target_id,
                "; ".join(f"{key}={value}" for key, value in sorted(row.details.items())),
            )
        )
    return response


@require_POST
@org_view(MANAGE)
def audit_retention_save(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    form = AuditRetentionForm(request.POST)
    if not form.is_valid():
        return _page(request, org, role, retention_form=form, status=400)
    before = audit_retention_days(org)
    audit_retention_set(org, form.cleaned_data["days"])
    record_event(
        events.AUDIT_RETENTION_CHANGED,
        request,
        details={"from_days": before, "to_days": form.cleaned_data["days"]},
    )
    messages.success(request, f"Saved: the audit trail is kept {form.cleaned_data['days']} days.")
    return redirect("org:audit", org_slug=org.slug)
