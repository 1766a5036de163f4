"""The security pages: the organization admin's (policy, who has a second factor, resetting
one, ending a member's sessions) and each member's own sessions."""

from __future__ import annotations

from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from assess.orgs.access import MANAGE, org_view
from assess.orgs.models import Membership, Organization

from .forms import SecurityPolicyForm
from .policy import policy_of
from .selectors import members_security, sessions_of
from .services import member_factors_reset, security_policy_update, sessions_end


def _security_page(request, org, role, *, form=None, status=200) -> HttpResponse:
    policy = policy_of(org)
    form = form or SecurityPolicyForm(
        initial={
            "require_second_factor": policy.require_second_factor,
            "idle_timeout_minutes": policy.idle_timeout_minutes,
            "absolute_timeout_hours": policy.absolute_timeout_hours,
        }
    )
    return render(
        request,
        "assess/accounts/security.html",
        {"org": org, "role": role, "form": form, "members": members_security(org)},
        status=status,
    )


@require_GET
@org_view(MANAGE)
def security(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    return _security_page(request, org, role)


@require_POST
@org_view(MANAGE)
def security_policy_save(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    form = SecurityPolicyForm(request.POST)
    if not form.is_valid():
        return _security_page(request, org, role, form=form, status=400)
    security_policy_update(request, org, **form.cleaned_data)
    messages.success(request, "Saved: the security policy applies from each member's next page.")
    return redirect("org:security", org_slug=org.slug)


def _member(org: Organization, user_id: str):
    """A member of `org` by the id in the URL; 404 for anyone else or a malformed id."""
    if not user_id.isdigit() or len(user_id) > 18:
        raise Http404("No such member")
    membership = Membership.objects.filter(organization=org, user_id=int(user_id)).first()
    if membership is None:
        raise Http404("No such member")
    return membership.user


@require_POST
@org_view(MANAGE)
def member_factors_reset_view(
    request: HttpRequest, org: Organization, role: str, user_id: str
) -> HttpResponse:
    member = _member(org, user_id)
    if member == request.user:
        messages.error(request, "Another admin must reset your own second factor.")
        return redirect("org:security", org_slug=org.slug)
    member_factors_reset(request, org, member)
    messages.success(
        request,
        f"{member.get_username()}'s second factors are removed; they enrol again at their next sign-in.",
    )
    return redirect("org:security", org_slug=org.slug)


@require_POST
@org_view(MANAGE)
def member_sessions_end(
    request: HttpRequest, org: Organization, role: str, user_id: str
) -> HttpResponse:
    member = _member(org, user_id)
    sessions = UserSession.objects.filter(user=member)
    if member == request.user:
        sessions = sessions.exclude(session_key=request.session.session_key)
    ended = sessions_end(request, sessions, reason="ended_by_admin", organization=org)
    messages.success(request, f"Ended {ended} session(s) of {member.get_username()}.")
    return redirect("org:security", org_slug=org.slug)


@login_required
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assess/accounts/my_sessions.html",
        {"sessions": sessions_of(request.user), "current": request.session.session_key},
    )


@login_required
@require_POST
def my_session_end(request: HttpRequest, session_id: str) -> HttpResponse:
    if not session_id.isdigit() or len(session_id) > 18:
        raise Http404("No such session")
    sessions = UserSession.objects.filter(user=request.user, pk=int(session_id))
    if not sessions.exists():
        raise Http404("No such session")
    sessions_end(request, sessions, reason="ended_by_member")
    messages.success(request, "The session is ended.")
    return redirect("org:my_sessions")
