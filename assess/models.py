"""Organizations and who works in them. Every row that belongs to an organization is
scoped to it; the assessment flow builds on these."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from quizzes.models import Kind, Level


class Role(models.TextChoices):
    RECRUITER = "recruiter", "Recruiter"
    REVIEWER = "reviewer", "Reviewer"
    ADMIN = "admin", "Admin"


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} at {self.organization}"


# --- Assessments, invitations and attempts -------------------------------------------------


class Assessment(models.Model):
    """A test an organization sends to candidates: sections of questions, a time limit."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="assessments"
    )
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True, help_text="Markdown, shown before the test starts.")
    time_limit_minutes = models.PositiveIntegerField(default=60)
    pass_mark = models.PositiveSmallIntegerField(
        default=60, help_text="Percent of the total score."
    )
    shuffle_questions = models.BooleanField(
        default=True, help_text="Shuffle questions within each section."
    )
    shuffle_choices = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Archived assessments take no new invitations; their attempts and reports stay.
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__lte=100), name="pass_mark_is_a_percent"
            ),
            models.CheckConstraint(
                condition=models.Q(time_limit_minutes__gte=1), name="time_limit_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    """Questions picked explicitly, then `draw_count` more drawn at random from the bank
    by kind, level and topic (each filter optional)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    questions = models.ManyToManyField("quizzes.Question", blank=True, related_name="+")
    draw_count = models.PositiveIntegerField(default=0)
    draw_kind = models.CharField(
        max_length=20, blank=True, choices=[("", "Any kind"), *Kind.choices]
    )
    draw_level = models.CharField(
        max_length=10, blank=True, choices=[("", "Any level"), *Level.choices]
    )
    draw_topic = models.ForeignKey(
        "quizzes.Topic", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["assessment", "position", "id"]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.title}"


class Invitation(models.Model):
    """One candidate's single-use link. Only the sha256 of the token is stored, so the
    database alone does not reveal working links."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="invitations")
    candidate_name = models.CharField(max_length=200)
    candidate_email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Revoking also moves `expires_at` to the revocation time, so the candidate's pages
    # (which check expiry) refuse the link; this field says why it stopped working.
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.candidate_name} <{self.candidate_email}> · {self.assessment}"


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"


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
    level_estimate = models.CharField(max_length=10, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"attempt {self.pk} · {self.invitation.candidate_name}"

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


# --- Review: integrity signals, rubric scores, re-grades ------------------------------------


class IntegrityKind(models.TextChoices):
    TAB_HIDDEN = "tab_hidden", "Left the test's tab"
    PASTE = "paste", "Pasted into an answer"
    QUESTION_TIME = "question_time", "Time on a question"


class IntegrityEvent(models.Model):
    """A signal the candidate's page reported (assess.integrity). Shown to reviewers as a
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


class RubricReview(models.Model):
    """One reviewer's scoring of a written answer: the rubric items ticked, the score they
    gave, who and when. The answer holds the latest score; this keeps every one."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="rubric_reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    items = models.JSONField(default=list)  # indices of the rubric items met
    points = models.FloatField()
    possible = models.FloatField()
    score = models.FloatField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]


class Regrade(models.Model):
    """A reviewer asked for a coding answer to be graded again; the submission's previous
    result is kept here before the submission goes back to the queue."""

    submission = models.ForeignKey(
        "grader.Submission", on_delete=models.CASCADE, related_name="regrades"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    previous_status = models.CharField(max_length=20)
    previous_verdict = models.CharField(max_length=40, blank=True)
    previous_score = models.FloatField(null=True, blank=True)
    previous_report = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
