"""Assessments (sections of questions, a time limit) and the invitations sent to candidates."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from assess.orgs.models import Organization
from assess.strictinput import validate_single_line
from quizzes.models import Kind, Level


class Assessment(models.Model):
    """A test an organization sends to candidates: sections of questions, a time limit."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="assessments"
    )
    title = models.CharField(max_length=200, validators=[validate_single_line])
    instructions = models.TextField(blank=True, help_text="Markdown, shown before the test starts.")
    invitation_message = models.TextField(
        blank=True,
        max_length=2000,
        help_text="Your words in the invitation email, above the link (plain text).",
    )
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


# What one question may be worth in an attempt's score (assess.scoring weighs by it).
MIN_POINTS, MAX_POINTS = 1, 100


class DrawSource(models.TextChoices):
    """Where a section's random (or adaptive) draw takes its questions from."""

    BANK = "bank", "The bank"
    LIBRARY = "library", "Our library"
    BOTH = "both", "The bank and our library"


class Section(models.Model):
    """Questions picked explicitly, then `draw_count` more drawn at random from the bank
    by kind, level and topic (each filter optional)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200, validators=[validate_single_line])
    position = models.PositiveIntegerField(default=0)
    questions = models.ManyToManyField(
        "quizzes.Question", blank=True, related_name="+", through="SectionQuestion"
    )
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
    draw_source = models.CharField(
        max_length=10, choices=DrawSource.choices, default=DrawSource.BANK
    )
    # What each drawn question is worth (one value for the section: the recruiter does not
    # know which questions the draw will hold). Adaptive sections' drawn questions too.
    draw_points = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(MIN_POINTS), MaxValueValidator(MAX_POINTS)]
    )

    # An adaptive section draws its questions one at a time from the pool (its questions
    # plus the bank's matching the draw filters; choice and numeric only), each the most
    # informative at the candidate's current estimate (docs/scoring.md).
    adaptive = models.BooleanField(
        default=False,
        help_text="Choose each next question from the candidate's answers so far; the "
        "candidate cannot go back to a confirmed question.",
    )
    adaptive_min_items = models.PositiveSmallIntegerField(default=5)
    adaptive_max_items = models.PositiveSmallIntegerField(default=20)
    adaptive_target_se = models.FloatField(
        default=0.3, help_text="Stop once the ability's standard error is at most this."
    )
    adaptive_exposure = models.PositiveSmallIntegerField(
        default=10,
        help_text="Pick at random among this many most informative questions, so the "
        "strongest questions are not shown to everyone.",
    )

    class Meta:
        ordering = ["assessment", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(draw_points__gte=MIN_POINTS, draw_points__lte=MAX_POINTS),
                name="draw_points_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.title}"

    def adaptive_rule(self):
        from quizzes.irt import AdaptiveRule

        return AdaptiveRule(
            min_items=self.adaptive_min_items,
            max_items=self.adaptive_max_items,
            target_se=self.adaptive_target_se,
            randomesque=self.adaptive_exposure,
        )


class SectionQuestion(models.Model):
    """A question picked into a section, at its place: candidates see picks in this order
    when the assessment does not shuffle. New picks go last; equal positions (a bulk
    `set()`) fall back to the order they were added in."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="picks")
    question = models.ForeignKey("quizzes.Question", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    points = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(MIN_POINTS), MaxValueValidator(MAX_POINTS)]
    )

    class Meta:
        db_table = "assess_section_questions"  # the table of the plain many-to-many before it
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["section", "question"], name="one_pick_per_section"),
            models.CheckConstraint(
                condition=models.Q(points__gte=MIN_POINTS, points__lte=MAX_POINTS),
                name="pick_points_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section} · {self.question_id} at {self.position}"


class AttemptPoints(models.Model):
    """What each question of an attempt is worth, frozen when the attempt starts (as its
    question versions are), so a later change in the builder never rescores it. Written and
    read by assess.scoring; an attempt without a row (started before points existed) counts
    every question 1. The attempt is named by string: attempts build on hiring."""

    attempt = models.OneToOneField(
        "assess.Attempt", on_delete=models.CASCADE, related_name="points"
    )
    # {"<section position>:<question id>": points} for the picks, and
    # {"<section position>": points} for each section's drawn questions.
    picks = models.JSONField(default=dict)
    draws = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"points of attempt {self.attempt_id}"


class Decision(models.TextChoices):
    ADVANCED = "advanced", "Advanced"
    REJECTED = "rejected", "Rejected"


class EmailDelivery(models.TextChoices):
    NOT_EMAILED = "", "Not emailed"  # the applicant-tracking system mails its own links
    QUEUED = "queued", "Queued"
    RETRYING = "retrying", "Retrying"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


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
    # Accommodations: minutes added to this candidate's time limit (the deadline is fixed
    # when they start).
    extra_minutes = models.PositiveIntegerField(default=0)
    # The hiring team's decision on the candidate; empty while undecided.
    decision = models.CharField(max_length=10, blank=True, choices=Decision.choices)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The invitation email (assess.hiring.delivery): its state for the recruiter, the last
    # failure in words, and the link sealed (encrypted) until the mail server takes it.
    delivery = models.CharField(
        max_length=10, choices=EmailDelivery.choices, blank=True, default=""
    )
    delivery_error = models.CharField(max_length=300, blank=True)
    delivery_tries = models.PositiveIntegerField(default=0)
    delivery_queued_at = models.DateTimeField(null=True, blank=True)
    sealed_link = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        # By number, never by person: str() ends up in logs, error reports and the admin
        # site's stored history (docs/privacy.md).
        return f"invitation {self.pk} · {self.assessment}"
