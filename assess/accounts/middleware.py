"""The organization's security policy on every request of a signed-in team member:
sessions end after the idle and absolute timeouts, and a member who must have a second
factor and has none reaches only the pages that enrol one (and signing out)."""

from __future__ import annotations

import time

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from assess.audit import events
from assess.audit.trail import record_event

from .policy import policy_for_user

SIGNED_IN_AT = "assess_signed_in_at"
LAST_SEEN_AT = "assess_last_seen_at"
# Set on a session's first request once its sign-in is known to have used the member's
# second factor (or they had none then): checked once per session.
FACTOR_CHECKED = "assess_factor_checked"
# How stale the last-seen stamp may get before it is written again: the idle timeout is
# then exact to a minute, and a busy page does not save its session on every request.
LAST_SEEN_RESOLUTION_SECONDS = 60
# Reachable without a second factor: enrolling one (allauth's pages), signing out, assets.
ENROLMENT_PATHS = ("/accounts/2fa/", "/accounts/reauthenticate/", "/accounts/logout/")
ALWAYS_OPEN_PATHS = ("/static/", "/favicon.ico", "/healthz", "/metrics")


class SecurityPolicyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(ALWAYS_OPEN_PATHS):
            return self.get_response(request)
        policy = policy_for_user(user)
        ended = self._timed_out(request, policy)
        if ended:
            record_event(events.SESSION_ENDED, request, actor=user, details={"reason": ended})
            logout(request)
            messages.info(
                request,
                "Your session ended after the time your organization allows. Please sign in again.",
            )
            query = (
                f"?{urlencode({'next': request.get_full_path()})}"
                if request.method == "GET"
                else ""
            )
            return redirect(reverse("org:login") + query)
        if not request.session.get(FACTOR_CHECKED):
            if is_mfa_enabled(user) and not _factor_used(request, user):
                # Signed in by a path that skipped the second factor (Django's own admin
                # sign-in): the session does not count.
                record_event(
                    events.SESSION_ENDED,
                    request,
                    actor=user,
                    details={"reason": "second_factor_skipped"},
                )
                logout(request)
                messages.info(request, "Please sign in here, with your second factor.")
                return redirect("org:login")
            request.session[FACTOR_CHECKED] = True
        if (
            policy.require_second_factor
            and not request.path.startswith(ENROLMENT_PATHS)
            and request.path != reverse("org:logout")
            and not is_mfa_enabled(user)
        ):
            messages.warning(
                request,
                "Your organization requires a second factor: add an authenticator app or a "
                "passkey to continue.",
            )
            return redirect("mfa_index")
        return self.get_response(request)

    @staticmethod
    def _timed_out(request: HttpRequest, policy) -> str:
        """ "idle_timeout" or "absolute_timeout" when the session is over; else "" (and
        the session's stamps are brought up to date)."""
        now = time.time()
        session = request.session
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        last_seen_at = session.get(LAST_SEEN_AT, now)
        if (
            policy.absolute_timeout_hours
            and now - signed_in_at > policy.absolute_timeout_hours * 3600
        ):
            return "absolute_timeout"
        if policy.idle_timeout_minutes and now - last_seen_at > policy.idle_timeout_minutes * 60:
            return "idle_timeout"
        if now - last_seen_at >= LAST_SEEN_RESOLUTION_SECONDS or LAST_SEEN_AT not in session:
            session[LAST_SEEN_AT] = now
            # The member's sessions page (allauth.usersessions) at the same resolution:
            # allauth's own tracking (USERSESSIONS_TRACK_ACTIVITY) writes on every request.
            UserSession.objects.create_from_request(request)
        return ""


def _factor_used(request: HttpRequest, user) -> bool:
    """Whether this session's sign-in passed a second factor (allauth records it)."""
    return any(
        record.get("method") == "mfa" for record in get_authentication_records(request, user)
    )
