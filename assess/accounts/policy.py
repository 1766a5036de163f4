"""The security rules that apply to one person: for a member of several organizations the
strictest of their policies (any requiring a second factor, the shortest timeouts)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Min, Q

from .models import SecurityPolicy


@dataclass(frozen=True)
class EffectivePolicy:
    require_second_factor: bool = False
    idle_timeout_minutes: int | None = None
    absolute_timeout_hours: int | None = None


NO_POLICY = EffectivePolicy()


def policy_for_user(user) -> EffectivePolicy:
    if not user.is_authenticated:
        return NO_POLICY
    found = SecurityPolicy.objects.filter(organization__memberships__user=user).aggregate(
        require=Count("pk", filter=Q(require_second_factor=True)),
        idle=Min("idle_timeout_minutes"),
        absolute=Min("absolute_timeout_hours"),
    )
    return EffectivePolicy(bool(found["require"]), found["idle"], found["absolute"])


def policy_of(organization) -> SecurityPolicy:
    """The organization's policy row (unsaved defaults when it has none yet)."""
    return SecurityPolicy.objects.filter(organization=organization).first() or SecurityPolicy(
        organization=organization
    )
