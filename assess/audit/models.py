"""The audit trail's rows. Append-only: a saved event is never changed and never deleted,
except by the retention purge (`retention.audit_purge_expired`). The model refuses it, the
admin shows it read-only, and on PostgreSQL a trigger refuses UPDATE and DELETE unless the
purge's transaction set `assess_audit.purge` (migration 0001).

Actor and organization are kept as plain references without a database constraint: an
event outlives the account or organization it names (deleting them must not cascade into
the trail, nor be blocked by it)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditTrailImmutable(Exception):
    """An audit event was about to be changed or deleted."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditTrailImmutable("audit events cannot be changed")

    def delete(self):
        raise AuditTrailImmutable("audit events are removed only by the retention purge")


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    event = models.CharField(max_length=64, db_index=True)
    organization = models.ForeignKey(
        "assess.Organization",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # The actor's email (or username) when it happened: the account may change or go.
    actor_label = models.CharField(max_length=254, blank=True)
    address = models.CharField(max_length=45, blank=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["organization", "-at"], name="audit_org_time")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.event} by {self.actor_label or '-'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditTrailImmutable("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailImmutable("audit events are removed only by the retention purge")


class AuditRetention(models.Model):
    """How long an organization keeps its audit trail (the default: AUDIT_RETENTION_DAYS)."""

    organization = models.OneToOneField(
        "assess.Organization", on_delete=models.CASCADE, related_name="audit_retention"
    )
    days = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)
