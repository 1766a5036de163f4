"""API tokens of an organization, its webhook endpoints, and the log of every delivery.

Only the sha256 of an API token is stored (as for invitation links): the raw token is shown
once, when it is made. A webhook endpoint's secret is stored as is, because every delivery
is signed with it.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from assess.tokens import token_digest

TOKEN_PREFIX = "nak_"


def webhook_secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """A machine's credential for one organization; every request it makes sees only that
    organization's rows. `can_read_bank` (off by default) opens the question bank with its
    answer keys, for staff integrations only; `can_write_library` (off by default) lets it
    write the organization's own questions."""

    organization = models.ForeignKey(
        "assess.Organization", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="Who uses it, e.g. 'Greenhouse production'.")
    # The first characters of the token, to recognise it in lists and logs; not a secret.
    prefix = models.CharField(max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    can_read_bank = models.BooleanField(
        default=False, help_text="Staff only: may read the question bank, answer keys included."
    )
    # Off by default: a token an ATS holds to send tests must not be able to write (or publish)
    # the questions candidates are asked.
    can_write_library = models.BooleanField(
        default=False,
        help_text="May write, publish and retire the organization's own library questions.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def issue(
        cls,
        organization,
        name: str,
        *,
        can_read_bank: bool = False,
        can_write_library: bool = False,
        created_by=None,
    ) -> tuple[ApiToken, str]:
        """A new token and its raw value; the raw value is never stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            organization=organization,
            name=name,
            prefix=raw[:12],
            key_hash=token_digest(raw),
            can_read_bank=can_read_bank,
            can_write_library=can_write_library,
            created_by=created_by,
        )
        return token, raw

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class WebhookEndpoint(models.Model):
    organization = models.ForeignKey(
        "assess.Organization", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, default=webhook_secret_new, editable=False)
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    # Final: the tries are spent, or the receiver refused it with a 4xx.
    FAILED = "failed", "Failed"


EVENT_ATTEMPT_GRADED = "attempt.graded"
_EVENT_NAMESPACE = uuid.UUID("5b0e8a3e-7f43-4d8f-9a55-2f1f0d6c9a11")


def event_id_for(event_type: str, subject_id: int) -> str:
    """Stable, so emitting the same event twice finds the same delivery rows."""
    return "evt_" + uuid.uuid5(_EVENT_NAMESPACE, f"{event_type}:{subject_id}").hex


class DeliveryQuerySet(models.QuerySet):
    def about_attempt(self, attempt_id: int) -> DeliveryQuerySet:
        """The stored deliveries whose payload describes this attempt (what an erasure
        removes, what the candidate's export shows)."""
        return self.filter(
            Q(event_id=event_id_for(EVENT_ATTEMPT_GRADED, attempt_id))
            | Q(payload__data__attempt__id=attempt_id)
        )


class WebhookDelivery(models.Model):
    """One event for one endpoint. (endpoint, event_id) is unique, so an event is queued
    once per endpoint however often it is emitted, and a delivered row is never sent again."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    tries = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_tried_at = models.DateTimeField(null=True, blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="one_delivery_per_endpoint_event"
            )
        ]
        indexes = [models.Index(fields=["status", "next_try_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint} · {self.status}"
