"""The security actions of the hiring team: the admin's policy, resetting a member's second
factor, ending sessions. Each is recorded in the audit trail by its caller's request."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db import transaction
from django.http import HttpRequest

from assess.audit import events
from assess.audit.trail import record_event

from .models import SecurityPolicy


def security_policy_update(request: HttpRequest, organization, **values) -> SecurityPolicy:
    policy, _ = SecurityPolicy.objects.update_or_create(organization=organization, defaults=values)
    record_event(
        events.SECURITY_SETTINGS_CHANGED, request, organization=organization, details=values
    )
    return policy


def sessions_end(request: HttpRequest, sessions, *, reason: str, organization=None) -> int:
    """End each UserSession (its Django session is deleted: the next request is signed
    out). Returns how many were ended."""
    ended = 0
    for session in list(sessions):
        session.end()
        ended += 1
        record_event(
            events.SESSION_ENDED,
            request,
            organization=organization,
            target=session.user,
            details={"reason": reason, "session": session.pk},
        )
    return ended


def member_factors_reset(request: HttpRequest, organization, member) -> int:
    """Another admin's recovery for a member who lost their device: every second factor of
    theirs is removed and their sessions end; they enrol again at their next sign-in."""
    with transaction.atomic():
        removed, _ = Authenticator.objects.filter(user=member).delete()
        record_event(
            events.MFA_RESET_BY_ADMIN,
            request,
            organization=organization,
            target=member,
            details={"removed": removed},
        )
    sessions_end(
        request,
        UserSession.objects.filter(user=member),
        reason="factor_reset",
        organization=organization,
    )
    return removed
