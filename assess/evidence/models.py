"""Rows of the integrity evidence. Every row hangs off an answer, an attempt or an
assessment with a cascading key, so erasing a candidate (assess.privacy.services
.candidate_erase deletes the attempt) erases their playback and decisions with it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class PlaybackLog(models.Model):
    """The playback of one answer: how many bytes of events it holds (bounded by
    `evidence.events.MAX_BYTES_PER_ANSWER`) and whether the bound was reached."""

    answer = models.OneToOneField(
        "assess.Answer", on_delete=models.CASCADE, related_name="playback"
    )
    bytes_stored = models.PositiveIntegerField(default=0)
    capped = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"playback of answer {self.answer_id}"


class PlaybackChunk(models.Model):
    """One batch of events as the candidate's page sent it with an autosave. `session`
    names one opening of the question (a page load); `seq` orders its batches; the times
    inside `events` are milliseconds since that opening (see evidence.playback)."""

    log = models.ForeignKey(PlaybackLog, on_delete=models.CASCADE, related_name="chunks")
    session = models.CharField(max_length=32)
    seq = models.PositiveIntegerField()
    first_t = models.PositiveIntegerField()
    last_t = models.PositiveIntegerField()
    received_at = models.DateTimeField(default=timezone.now)
    events = models.JSONField()
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["log", "received_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["log", "session", "seq"], name="evidence_one_chunk_per_seq"
            )
        ]

    def __str__(self) -> str:
        return f"playback chunk {self.seq} of answer log {self.log_id}"


class IntegrityPolicy(models.Model):
    """What a test allows; shown to the candidate before the start. No row: both allowed
    (the behaviour of every test made before policies existed)."""

    assessment = models.OneToOneField(
        "assess.Assessment", on_delete=models.CASCADE, related_name="integrity_policy"
    )
    ai_assistance_allowed = models.BooleanField(default=True)
    outside_paste_allowed = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"integrity policy of assessment {self.assessment_id}"


class Decision(models.TextChoices):
    CONFIRMED_CONCERN = "confirmed_concern", "Confirmed concern"
    NO_CONCERN = "no_concern", "No concern"


class IntegrityDecision(models.Model):
    """A reviewer's decision on an attempt's integrity evidence. Rows are only added, never
    changed: the newest is the decision, the older ones are its audit trail."""

    attempt = models.ForeignKey(
        "assess.Attempt", on_delete=models.CASCADE, related_name="integrity_decisions"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    note = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["attempt", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"integrity decision on attempt {self.attempt_id}"


class FingerprintedAnswer(models.Model):
    """A final coding answer indexed for similarity across the organization's history
    (evidence.similarity): its problem and how many fingerprints it has."""

    answer = models.OneToOneField(
        "assess.Answer", on_delete=models.CASCADE, related_name="fingerprinted"
    )
    organization = models.ForeignKey(
        "assess.Organization", on_delete=models.CASCADE, related_name="+"
    )
    problem = models.CharField(max_length=100)
    count = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"fingerprints of answer {self.answer_id}"


class CodeFingerprint(models.Model):
    """One winnowed fingerprint of a final coding answer (each hash once per answer); the
    index that makes the lookup "which answers share these hashes" fast is (organization,
    problem, hash, owner)."""

    owner = models.ForeignKey(
        FingerprintedAnswer, on_delete=models.CASCADE, related_name="fingerprints"
    )
    organization = models.ForeignKey(
        "assess.Organization", on_delete=models.CASCADE, related_name="+"
    )
    problem = models.CharField(max_length=100)
    hash = models.BigIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # The owner is in the index, so a lookup reads the index alone.
            models.Index(
                fields=["organization", "problem", "hash", "owner"],
                name="evidence_fingerprint_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"fingerprint of {self.owner_id}"
