"""Connecting an organization to an ATS, recognising the ATS's requests by their key,
counting them against a rate limit, and logging every exchange."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from assess.models import Organization
from assess.tokens import token_digest

from .credentials import MAX_KEY_CHARS, credential_seal, key_new
from .models import AtsConnection, AtsExchange, AtsLink, Direction


def connection_connect(organization: Organization, ats: str) -> tuple[AtsConnection, str]:
    """Connect (or reconnect) the organization to an ATS with a new key; returns the raw
    key, shown once. A reconnect replaces the key: the old one stops working at once."""
    raw = key_new()
    with transaction.atomic():
        connection = (
            AtsConnection.objects.select_for_update()
            .filter(organization=organization, ats=ats)
            .first()
        )
        if connection is None:
            connection = AtsConnection(organization=organization, ats=ats)
        else:
            connection.rotated_at = timezone.now()
        connection.key_hash = token_digest(raw)
        connection.key_prefix = raw[:10]
        connection.key_sealed = credential_seal(raw)
        connection.active = True
        connection.save()
    return connection, raw


def connection_disconnect(connection: AtsConnection) -> None:
    """Stop the connection at once: our key for the ATS stops working and every credential
    we hold for it (its API key, Lever's OAuth and signature tokens) is erased; connecting
    again makes new ones. Its invitations, links and exchange log stay; no result is queued
    for it any more, and one queued before waits in the dead letters ("The connection is
    off")."""
    AtsConnection.objects.filter(pk=connection.pk).update(
        active=False,
        key_hash=token_digest(key_new()),  # unique, and no one holds the key it digests
        key_prefix="",
        key_sealed="",
        outgoing_key_sealed="",
        oauth_sealed="",
        signing_sealed="",
    )


def connection_for_key(raw: str, ats: str) -> AtsConnection | None:
    """The active connection this key belongs to, or None."""
    if not raw or len(raw) > MAX_KEY_CHARS:
        return None
    return (
        AtsConnection.objects.select_related("organization")
        .filter(key_hash=token_digest(raw), ats=ats, active=True)
        .first()
    )


def rate_limit_exceeded(bucket: str, per_minute: int | None = None) -> bool:
    """A fixed one-minute window counted in the cache (shared by every web process). An
    outage of the cache lets requests through rather than refusing every ATS."""
    limit = per_minute or settings.INTEGRATIONS_RATE_PER_MINUTE
    key = f"integrations:rate:{bucket}:{int(time.time() // 60)}"
    try:
        cache.add(key, 0, timeout=90)
        return cache.incr(key) > limit
    except Exception:
        return False


class CannotSend(Exception):
    """A call to an ATS cannot be made as things stand (no key, a refused address, a token
    the ATS no longer accepts): not retried until the admin acts."""


@dataclass
class Exchange:
    """What `exchange_logged` records; the caller fills it in as the request goes."""

    connection: AtsConnection | None
    direction: str
    endpoint: str
    status: int | None = None
    link: AtsLink | None = None
    note: str = ""
    started: float = field(default_factory=time.monotonic)


@contextmanager
def exchange_logged(connection, direction: str, endpoint: str):
    """Log one exchange (status, timing) when the block ends, even when it raises. A
    request whose key was not recognised has no connection and is not logged here: it
    belongs to no organization."""
    exchange = Exchange(connection, direction, endpoint)
    try:
        yield exchange
    finally:
        if exchange.connection is not None:
            AtsExchange.objects.create(
                connection=exchange.connection,
                direction=exchange.direction,
                endpoint=exchange.endpoint[:40],
                status=exchange.status,
                duration_ms=int((time.monotonic() - exchange.started) * 1000),
                link=exchange.link,
                note=exchange.note[:200],
            )


INCOMING = Direction.INCOMING
OUTGOING = Direction.OUTGOING


def connection_set_outgoing_key(connection: AtsConnection, raw: str) -> None:
    """Store the ATS's own API key (sealed) for the calls we make to it."""
    raw = (raw or "").strip()
    if not raw or len(raw) > MAX_KEY_CHARS or any(ord(c) < 33 or ord(c) == 127 for c in raw):
        raise ValueError("Paste the key as the ATS shows it: one line, without spaces.")
    connection.outgoing_key_sealed = credential_seal(raw)
    connection.save(update_fields=["outgoing_key_sealed"])
