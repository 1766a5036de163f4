"""The admin's SCIM settings, a part of the organization's settings page: the directory's
bearer token (made or rotated here, shown once) and the groups' roles."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assess.orgs.access import MANAGE, org_view
from assess.orgs.models import Organization

from . import services
from .forms import GroupRolesForm
from .models import Directory


@require_POST
@org_view(MANAGE)
def token_rotate(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    directory, raw = services.token_rotate(org, request.user, request)
    response = render(
        request,
        "assess/scim/token_created.html",
        {
            "org": org,
            "directory": directory,
            "token": raw,
            "endpoint": request.build_absolute_uri("/scim/v2/"),
        },
    )
    # The raw token is on this page alone: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@org_view(MANAGE)
def group_roles(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    directory = Directory.objects.filter(organization=org).first()
    form = GroupRolesForm(request.POST)
    if directory is None:
        messages.error(request, "Create the SCIM token first.")
        return redirect("org:org_settings", org_slug=org.slug)
    if not form.is_valid():
        return render(
            request, "assess/scim/group_roles.html", {"org": org, "form": form}, status=400
        )
    services.group_roles_set(org, form.cleaned_data["mapping"], actor=request.user, request=request)
    messages.success(request, "Saved: the directory's groups give the roles listed.")
    return redirect("org:org_settings", org_slug=org.slug)
