"""The hiring team's landing pages (pick an organization, then its home page) and the
admins' settings page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from assess.privacy.forms import privacy_settings_form

from .access import BUILD, MANAGE, READ_REPORTS, org_view, organizations_of
from .forms import OFF, ON, CandidateFeedbackForm
from .models import Organization
from .services import organization_set_candidate_feedback


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


def org_settings_page(
    request: HttpRequest,
    org: Organization,
    role: str,
    *,
    form: CandidateFeedbackForm | None = None,
    privacy_form=None,
    status: int = 200,
) -> HttpResponse:
    """The settings page; each of its forms posts to its own view, which re-renders the
    page here with that form's errors."""
    return render(
        request,
        "assess/orgs/settings.html",
        {
            "org": org,
            "role": role,
            "form": form
            or CandidateFeedbackForm(
                initial={"candidate_feedback": ON if org.candidate_feedback else OFF}
            ),
            "privacy_form": privacy_form or privacy_settings_form(org),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@org_view(MANAGE)
def org_settings(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    if request.method == "POST":
        form = CandidateFeedbackForm(request.POST)
        if form.is_valid():
            organization_set_candidate_feedback(org, form.enabled())
            state = "on" if org.candidate_feedback else "off"
            messages.success(request, f"Saved: the candidates' feedback report is {state}.")
            return redirect("org:org_settings", org_slug=org.slug)
        return org_settings_page(request, org, role, form=form, status=400)
    return org_settings_page(request, org, role)
