"""Who may do what in an organization, and the one gate of every hiring-team page.

Roles are written out in docs/roles.md.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from .models import Membership, Organization, Role

# What each role may do; `org_view` below checks one of these on every page.
BUILD = frozenset({Role.RECRUITER, Role.ADMIN})  # assessments and invitations


REVIEW = frozenset({Role.REVIEWER, Role.ADMIN})  # dashboard, scoring, re-grades, exports


READ_REPORTS = frozenset({Role.RECRUITER, Role.REVIEWER, Role.ADMIN})


MANAGE = frozenset({Role.ADMIN})  # the organization's own settings


def member_role(user, organization: Organization) -> str | None:
    """The user's role in the organization; superusers act as its admin; None otherwise."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.ADMIN
    return (
        Membership.objects.filter(user=user, organization=organization)
        .values_list("role", flat=True)
        .first()
    )


def organizations_of(user) -> QuerySet[Organization]:
    if user.is_superuser:
        return Organization.objects.order_by("name")
    return Organization.objects.filter(memberships__user=user).order_by("name").distinct()


def org_view(roles):
    """The one gate of every hiring-team page: signed in, a member of the URL's
    organization (404 otherwise, so outsiders cannot even learn it exists) with one of
    `roles` (403 otherwise). The view gets `(request, org, role, ...)`."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, org_slug: str, *args, **kwargs) -> HttpResponse:
            org = Organization.objects.filter(slug=org_slug).first()
            role = member_role(request.user, org) if org is not None else None
            if role is None:
                raise Http404("No such organization")
            if role not in roles:
                raise PermissionDenied("Your role in this organization does not allow this page.")
            request.org, request.org_role = org, role
            return view(request, org, role, *args, **kwargs)

        return wrapper

    return decorate
