"""What the privacy feature stores: an organization's notice text and retention periods, the
notice versions candidates confirmed, legal holds, the anonymized item responses left by
erasures, and the privacy audit trail. None of these rows holds a candidate's name, email,
link, answers or code."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

# Retention bounds (days): at least a month, so an attempt is never erased before the
# hiring team could read it; at most ten years.
MIN_RETENTION_DAYS, MAX_RETENTION_DAYS = 30, 3650
MIN_EVIDENCE_DAYS = 7
DEFAULT_RETENTION_DAYS, DEFAULT_EVIDENCE_DAYS = 365, 90
PRIVACY_TEXT_MAX, CONTACT_MAX = 4000, 200


class PrivacySettings(models.Model):
    """One organization's privacy notice additions and retention periods."""

    organization = models.OneToOneField(
        "assess.Organization", on_delete=models.CASCADE, related_name="privacy_settings"
    )
    privacy_text = models.TextField(
        "Your privacy notice",
        blank=True,
        max_length=PRIVACY_TEXT_MAX,
        help_text="Shown to every candidate before they start (plain text).",
    )
    contact = models.CharField(
        "Privacy contact",
        max_length=CONTACT_MAX,
        blank=True,
        help_text="Where candidates ask for a copy or the deletion of their data.",
    )
    retention_days = models.PositiveIntegerField(
        "Keep attempts, code and reports for (days)",
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(MIN_RETENTION_DAYS), MaxValueValidator(MAX_RETENTION_DAYS)],
    )
    evidence_days = models.PositiveIntegerField(
        "Keep integrity evidence for (days)",
        default=DEFAULT_EVIDENCE_DAYS,
        validators=[MinValueValidator(MIN_EVIDENCE_DAYS), MaxValueValidator(MAX_RETENTION_DAYS)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "privacy settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(evidence_days__lte=models.F("retention_days")),
                name="evidence_kept_no_longer_than_attempts",
            )
        ]

    def __str__(self) -> str:
        return f"privacy settings of {self.organization}"


class NoticeVersion(models.Model):
    """The exact notice (plain text) an organization's candidates were shown; a new version
    whenever its wording, contact or periods change."""

    organization = models.ForeignKey(
        "assess.Organization", on_delete=models.CASCADE, related_name="notice_versions"
    )
    number = models.PositiveIntegerField()
    text = models.TextField()
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="one_notice_number"),
            models.UniqueConstraint(fields=["organization", "digest"], name="one_notice_per_text"),
        ]

    def __str__(self) -> str:
        return f"notice v{self.number} of {self.organization}"


class NoticeConfirmation(models.Model):
    """The candidate confirmed the notice before starting; stored with the attempt."""

    attempt = models.OneToOneField(
        "assess.Attempt", on_delete=models.CASCADE, related_name="notice_confirmation"
    )
    notice = models.ForeignKey(NoticeVersion, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"attempt {self.attempt_id} confirmed notice v{self.notice.number}"


class LegalHold(models.Model):
    """While it exists, the candidate's data is neither erased by retention nor on request."""

    invitation = models.OneToOneField(
        "assess.Invitation", on_delete=models.CASCADE, related_name="legal_hold"
    )
    reason = models.CharField(max_length=300)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"legal hold on invitation {self.invitation_id}"


class AnonymousResponse(models.Model):
    """One question of an erased attempt, without identity: what item statistics,
    exposure counts and calibration need (the question version, the score, the time, the
    drawn values). `respondent` is a random number shared by the rows of one erased attempt,
    so per-candidate statistics (totals, reliability) still group them; it is linked to
    nothing else."""

    respondent = models.BigIntegerField(db_index=True)
    assessment = models.ForeignKey("assess.Assessment", on_delete=models.CASCADE, related_name="+")
    question_version = models.ForeignKey(
        "quizzes.QuestionVersion", on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField()
    submitted = models.BooleanField()
    score = models.FloatField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    drawn_values = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["respondent", "position"], name="one_anonymous_response_per_position"
            )
        ]


class AuditAction(models.TextChoices):
    ERASED = "erased", "A candidate's data was erased"
    EXPORTED = "exported", "A candidate's data was exported"
    HOLD_PLACED = "hold_placed", "A legal hold was placed"
    HOLD_LIFTED = "hold_lifted", "A legal hold was lifted"
    SETTINGS_CHANGED = "settings_changed", "Privacy settings were changed"
    EVIDENCE_EXPIRED = "evidence_expired", "Integrity evidence past its period was erased"


class AuditSource(models.TextChoices):
    ADMIN = "admin", "An admin"
    CANDIDATE = "candidate", "The candidate"
    RETENTION = "retention", "The retention schedule"
    API = "api", "The API (an applicant-tracking system)"
    RESTORE = "restore", "Re-applied after a restore"


class PrivacyAuditEntry(models.Model):
    """What happened to candidates' data, never what the data was: an erasure names no
    candidate; a hold names the attempt by number only."""

    organization = models.ForeignKey(
        "assess.Organization", on_delete=models.CASCADE, related_name="privacy_audit"
    )
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    source = models.CharField(max_length=20, choices=AuditSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "privacy audit entries"

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.get_source_display()}, {self.at:%Y-%m-%d})"


class ErasedGrade(models.Model):
    """What the metrics' counters read from an erased candidate's graded submission (its
    status, verdict, runs and times: no code, no report), so the `_total` families of
    /metrics never go backwards after an erasure (assess.metrics)."""

    status = models.CharField(max_length=20)
    verdict = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)


class ErasedDelivery(models.Model):
    """The same for a webhook delivery about an erased candidate: its status and tries."""

    status = models.CharField(max_length=20)
    tries = models.PositiveIntegerField(default=0)
