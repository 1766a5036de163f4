"""A candidate's attempt at an assessment, its answers and the integrity signals it sent."""

from django.db import models
from django.utils import timezone

from assess.hiring.models import Assessment, Invitation
from assess.orgs.models import Organization


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"


class CandidateLevel(models.TextChoices):
    """The level a candidate is estimated at: the questions' levels with a floor below
    junior (quizzes.irt.ABILITY_LEVELS; docs/scoring.md says what each one means)."""

    NOT_YET_JUNIOR = "not_yet_junior", "not yet junior"
    JUNIOR = "junior", "junior"
    MID = "mid", "mid"
    SENIOR = "senior", "senior"


class SubmitReason(models.TextChoices):
    CANDIDATE = "candidate", "Submitted by the candidate"
    DEADLINE = "deadline", "Submitted automatically at the deadline"


class Attempt(models.Model):
    """A candidate's run through an assessment; at most one per invitation (single use)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="attempts"
    )
    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, related_name="attempt")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="attempts")
    status = models.CharField(
        max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submit_reason = models.CharField(max_length=20, choices=SubmitReason.choices, blank=True)
    # Filled once every answer has a score (see assess.scoring and docs/scoring.md).
    score_percent = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    # The percent rule's level (assess.scoring.level_estimate); the report's headline may be
    # the calibrated one instead.
    level_estimate = models.CharField(max_length=16, blank=True, choices=CandidateLevel.choices)
    graded_at = models.DateTimeField(null=True, blank=True)
    # Adaptive sections: the seed of their draws, and one entry per confirmed question in
    # the order shown (section, position, question, version, score, the estimate after it
    # and the item parameters' version), enough to replay and audit the draw.
    adaptive_seed = models.BigIntegerField(null=True, blank=True)
    adaptive_record = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"attempt {self.pk}"  # never the candidate's name (see Invitation.__str__)

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS and timezone.now() < self.deadline


class Answer(models.Model):
    """One question of an attempt, frozen at start (exact version, seed, choice order,
    drawn values), and the candidate's latest response to it.

    `revision` grows by one with every save; a save that names an older revision is
    refused, so a stale tab cannot overwrite newer work."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveIntegerField()
    section_position = models.PositiveIntegerField()
    section_title = models.CharField(max_length=200)
    question_version = models.ForeignKey(
        "quizzes.QuestionVersion", on_delete=models.PROTECT, related_name="+"
    )
    seed = models.BigIntegerField()
    choice_order = models.JSONField(null=True, blank=True)
    drawn_values = models.JSONField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(null=True, blank=True)
    # Set when scored: on submission (choices, numeric), by the grader (coding) or a
    # reviewer (written). None means "waiting".
    score = models.FloatField(null=True, blank=True)
    correct = models.BooleanField(null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    scored_by = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="one_answer_per_position")
        ]

    def __str__(self) -> str:
        return f"attempt {self.attempt_id} · Q{self.position + 1}"

    @property
    def kind(self) -> str:
        return self.question_version.content["kind"]

    @property
    def is_answered(self) -> bool:
        return self.response not in (None, "", [])


class IntegrityKind(models.TextChoices):
    TAB_HIDDEN = "tab_hidden", "Left the test's tab"
    PASTE = "paste", "Pasted into an answer"
    QUESTION_TIME = "question_time", "Time on a question"


class IntegrityEvent(models.Model):
    """A signal the candidate's page reported (assess.attempts.integrity). Shown to reviewers as a
    signal, never as a verdict: a tab switch may be a chat notification."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="integrity_events")
    kind = models.CharField(max_length=20, choices=IntegrityKind.choices)
    # The question's position, when the event belongs to one.
    position = models.PositiveIntegerField(null=True, blank=True)
    # Characters pasted, or milliseconds on the question; 0 for a tab switch.
    amount = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["attempt", "created_at", "id"]

    def __str__(self) -> str:
        return f"attempt {self.attempt_id} · {self.kind}"
