"""Reads for the security pages: the organization's members with their second factors and
sessions, and one person's own sessions."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession

from assess.orgs.models import Membership

FACTOR_NAMES = {
    Authenticator.Type.TOTP: "authenticator app",
    Authenticator.Type.WEBAUTHN: "passkey",
    Authenticator.Type.RECOVERY_CODES: "recovery codes",
}


@dataclass(frozen=True)
class MemberSecurity:
    membership: Membership
    factors: list[str]
    sessions: int

    @property
    def has_second_factor(self) -> bool:
        return any(f != FACTOR_NAMES[Authenticator.Type.RECOVERY_CODES] for f in self.factors)


def members_security(organization) -> list[MemberSecurity]:
    memberships = list(
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__username")
    )
    user_ids = [m.user_id for m in memberships]
    factors: dict[int, list[str]] = {}
    for user_id, kind in (
        Authenticator.objects.filter(user_id__in=user_ids)
        .order_by("type")
        .values_list("user_id", "type")
    ):
        factors.setdefault(user_id, []).append(FACTOR_NAMES.get(kind, kind))
    sessions: dict[int, int] = {}
    for user_id in UserSession.objects.filter(user_id__in=user_ids).values_list(
        "user_id", flat=True
    ):
        sessions[user_id] = sessions.get(user_id, 0) + 1
    return [
        MemberSecurity(m, factors.get(m.user_id, []), sessions.get(m.user_id, 0))
        for m in memberships
    ]


def sessions_of(user) -> list[UserSession]:
    return list(UserSession.objects.filter(user=user).order_by("-last_seen_at"))
