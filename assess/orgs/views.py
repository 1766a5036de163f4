"""The hiring team's landing pages: pick an organization, then its home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from .access import BUILD, READ_REPORTS, org_view, organizations_of
from .models import Organization


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    orgs = list(organizations_of(request.user))
    if len(orgs) == 1:
        return redirect("org:org_home", org_slug=orgs[0].slug)
    return render(request, "assess/recruiter/home.html", {"orgs": orgs})


@require_GET
@org_view(READ_REPORTS)
def org_home(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    if role in BUILD:
        return redirect("org:assessment_list", org_slug=org.slug)
    return redirect("org:dashboard", org_slug=org.slug)
