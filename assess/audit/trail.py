"""Recording an audit event: one call where the event happens.

    record_event(events.REPORT_VIEWED, request, target=attempt)

The actor is the request's user unless given; the organization is the page's (set by
`org_view`) unless given; without either, the event is recorded once for each organization
the actor (or the user it targets) belongs to, so each organization's admins see their
members' sign-ins. Details are small and never secret: a key that names a secret, a link or
code is refused (a programming error, caught by the tests)."""

from __future__ import annotations

import json
import math
import re

from django.http import HttpRequest

from assess.clientip import client_ip
from assess.orgs.models import Membership

from .models import AuditEvent

EVENT_NAME = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*$")
MAX_DETAILS_CHARS = 2000
MAX_DETAIL_TEXT = 200
# Details are about what happened, never a credential, a candidate's link or their code.
FORBIDDEN_DETAIL_WORDS = ("password", "secret", "token", "code", "link", "url", "key", "otp")


def record_event(
    event: str,
    request: HttpRequest | None = None,
    *,
    actor=None,
    organization=None,
    target=None,
    target_type: str = "",
    target_id: str | int = "",
    details: dict | None = None,
) -> list[AuditEvent]:
    """Append `event` to the trail; returns the rows written (one per organization)."""
    if not EVENT_NAME.match(event) or len(event) > 64:
        raise ValueError(f"not an audit event name: {event!r}")
    details = _checked_details(details or {})
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    if organization is None and request is not None:
        organization = getattr(request, "org", None)
    if target is not None:
        target_type = target._meta.label_lower
        target_id = target.pk
    organization_ids = (
        [organization.pk] if organization is not None else _organizations_of(actor, target)
    )
    common = {
        "event": event,
        "actor": actor,
        "actor_label": _label(actor),
        "address": client_ip(request) if request is not None else "",
        "target_type": target_type[:64],
        "target_id": str(target_id)[:64],
        "details": details,
    }
    return [
        AuditEvent.objects.create(organization_id=org_id, **common) for org_id in organization_ids
    ]


def _organizations_of(actor, target) -> list[int | None]:
    """The organizations an event outside any organization's page belongs to: the actor's,
    else the targeted user's; [None] for neither (e.g. a failed sign-in as nobody known)."""
    from django.contrib.auth import get_user_model

    for person in (actor, target):
        if isinstance(person, get_user_model()) and person.pk is not None:
            ids = list(
                Membership.objects.filter(user=person)
                .order_by("organization_id")
                .values_list("organization_id", flat=True)
            )
            if ids:
                return ids
    return [None]


def _label(actor) -> str:
    if actor is None:
        return ""
    return (getattr(actor, "email", "") or actor.get_username())[:254]


def _checked_details(details: dict) -> dict:
    if not isinstance(details, dict):
        raise ValueError("audit details must be a dict")
    checked = {}
    for key, value in details.items():
        lowered = str(key).lower()
        if any(word in lowered for word in FORBIDDEN_DETAIL_WORDS):
            raise ValueError(f"audit details must not carry {key!r}")
        checked[str(key)[:64]] = _plain(value)
    if len(json.dumps(checked)) > MAX_DETAILS_CHARS:
        raise ValueError("audit details are too large")
    return checked


def _plain(value):
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        # PostgreSQL's jsonb has no NaN or infinity.
        return value if math.isfinite(value) else str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value][:20]
    return str(value).replace("\0", "")[:MAX_DETAIL_TEXT]
