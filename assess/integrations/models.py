"""An organization's connection to an applicant-tracking system (ATS), the invitations an
ATS asked for, the results we owe it, and the log of every exchange.

The connection's key is stored twice: its sha256 (to recognise an incoming request, as for
API tokens) and sealed with Fernet (`credentials.py`), since Greenhouse's callback is
authenticated with the same key and we must send it back. The log keeps ids, endpoints,
statuses and timings only: never a key, a candidate's link, name or email.
"""

from __future__ import annotations

from django.db import models


class Ats(models.TextChoices):
    GREENHOUSE = "greenhouse", "Greenhouse"
    ASHBY = "ashby", "Ashby"
    LEVER = "lever", "Lever"


class AtsConnection(models.Model):
    organization = models.ForeignKey(
        "assess.Organization", on_delete=models.CASCADE, related_name="ats_connections"
    )
    ats = models.CharField(max_length=20, choices=Ats.choices)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the key, to recognise it on the settings page; not a secret.
    key_prefix = models.CharField(max_length=16, editable=False)
    key_sealed = models.TextField(editable=False)
    # The ATS's own key for the calls we make (Ashby's API key, with candidatesWrite),
    # sealed; empty for an ATS that authenticates our calls with the key above.
    outgoing_key_sealed = models.TextField(blank=True, editable=False)
    # Lever (OAuth, `lever_oauth.py`): the random id in its webhook's path (not a secret:
    # the signature authenticates; it only keeps one organization's address from naming
    # another), the OAuth tokens and the webhooks' signature tokens (sealed JSON), and the
    # admin's choices (`stages`: Lever stage id -> assessment id; `perform_as`: the Lever
    # user our notes are posted as).
    webhook_id = models.CharField(max_length=40, blank=True, db_index=True)
    oauth_sealed = models.TextField(blank=True, editable=False)
    signing_sealed = models.TextField(blank=True, editable=False)
    options = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "ats"], name="one_connection_per_ats")
        ]

    def __str__(self) -> str:
        return f"{self.get_ats_display()} connection {self.pk}"


class AtsLink(models.Model):
    """One test the ATS sent: its invitation, and the ATS's own ids for it. The unique
    constraint is what makes the same request twice (even at once) one invitation."""

    connection = models.ForeignKey(AtsConnection, on_delete=models.CASCADE, related_name="links")
    invitation = models.OneToOneField(
        "assess.Invitation", on_delete=models.CASCADE, related_name="ats_link"
    )
    # The ATS's ids that name this test for this candidate (for Greenhouse: the test id
    # and the application id).
    external_key = models.CharField(max_length=200)
    # Our id for it, given to the ATS (Greenhouse's `partner_interview_id`).
    partner_interview_id = models.CharField(max_length=40, unique=True, editable=False)
    # Where the ATS wants to hear of a result (Greenhouse's `url`).
    callback_url = models.URLField(max_length=500, blank=True)
    # Our public address as the ATS reached it, for the report's link in a result we push
    # (no request is at hand then); ASSESS_PUBLIC_URL wins when set.
    base_url = models.URLField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "external_key"], name="one_link_per_ats_request"
            )
        ]

    def __str__(self) -> str:
        return f"ATS link {self.pk} · invitation {self.invitation_id}"


class Direction(models.TextChoices):
    INCOMING = "in", "From the ATS"
    OUTGOING = "out", "To the ATS"


class AtsExchange(models.Model):
    """One request, either way. What the admin reads on the settings page."""

    connection = models.ForeignKey(
        AtsConnection, on_delete=models.CASCADE, related_name="exchanges"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    endpoint = models.CharField(max_length=40)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    link = models.ForeignKey(AtsLink, null=True, blank=True, on_delete=models.SET_NULL)
    # Why it failed, in words that name no person and no secret.
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


class PushStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    # The dead letter: tries spent or refused; the admin may send it again.
    FAILED = "failed", "Failed"


class AtsPush(models.Model):
    """A result we owe the ATS. One row per graded result (the key holds the grading
    time), so a re-grade after a reviewer's change is a new push and a repeated signal is
    not."""

    link = models.ForeignKey(AtsLink, on_delete=models.CASCADE, related_name="pushes")
    idempotency_key = models.CharField(max_length=80, unique=True)
    status = models.CharField(max_length=10, choices=PushStatus.choices, default=PushStatus.PENDING)
    tries = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
