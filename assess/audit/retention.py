"""How long each organization keeps its audit trail, and the daily purge of what is older.

The purge is the one path that deletes events: it tells the PostgreSQL trigger so in its
own transaction (`SET LOCAL assess_audit.purge`), and deletes with plain SQL, as the
model's manager refuses deletions."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from assess.orgs.models import Organization

from .models import AuditEvent, AuditRetention

MIN_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 3650


def audit_retention_days(organization: Organization) -> int:
    row = AuditRetention.objects.filter(organization=organization).first()
    return row.days if row is not None else settings.AUDIT_RETENTION_DAYS


def audit_retention_set(organization: Organization, days: int) -> None:
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise ValueError(f"retention must be {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days")
    AuditRetention.objects.update_or_create(organization=organization, defaults={"days": days})


def audit_purge_expired(now=None) -> int:
    """Delete every event older than its organization's retention (events outside any
    organization: the default retention). Returns how many were deleted."""
    now = now or timezone.now()
    custom = dict(AuditRetention.objects.values_list("organization_id", "days"))
    default_cutoff = now - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    table = AuditEvent._meta.db_table
    deleted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL assess_audit.purge = 'on'")
        for org_id, days in custom.items():
            cursor.execute(
                f"DELETE FROM {table} WHERE organization_id = %s AND at < %s",
                [org_id, now - timedelta(days=days)],
            )
            deleted += cursor.rowcount
        placeholders = ", ".join(["%s"] * len(custom))
        others = (
            f"(organization_id IS NULL OR organization_id NOT IN ({placeholders}))"
            if custom
            else "TRUE"
        )
        cursor.execute(f"DELETE FROM {table} WHERE {others} AND at < %s", [*custom, default_cutoff])
        deleted += cursor.rowcount
    return deleted
