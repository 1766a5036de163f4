"""Reads of the audit trail: one organization's events, filtered."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from assess.orgs.models import Organization

from .models import AuditEvent


def audit_events_of(
    organization: Organization,
    *,
    event: str = "",
    actor: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEvent]:
    """The organization's events, newest first; `since`/`until` are dates, both included."""
    events = AuditEvent.objects.filter(organization=organization)
    if event:
        events = events.filter(event=event)
    if actor:
        events = events.filter(Q(actor_label__iexact=actor) | Q(actor__username__iexact=actor))
    if since:
        events = events.filter(at__gte=_start_of(since))
    if until:
        events = events.filter(at__lt=_start_of(until) + timedelta(days=1))
    return events.order_by("-at", "-id")


def audit_event_names_of(organization: Organization) -> list[str]:
    return sorted(
        AuditEvent.objects.filter(organization=organization)
        .values_list("event", flat=True)
        .distinct()
    )


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())
