"""The question bank's rows.

A `Question` is an identity (its bank id) plus the fields the bank is browsed by; the
text a candidate sees lives in immutable `QuestionVersion` rows, so an attempt that points
at a version keeps the exact wording it was shown even after the bank is edited.
"""

from django.conf import settings
from django.db import models, transaction


class Level(models.TextChoices):
    JUNIOR = "junior", "Junior (easy)"
    MID = "mid", "Mid (medium)"
    SENIOR = "senior", "Senior (hard)"


LEVEL_DIFFICULTY = {Level.JUNIOR: "easy", Level.MID: "medium", Level.SENIOR: "hard"}


class Kind(models.TextChoices):
    SINGLE_CHOICE = "single_choice", "Multiple choice (one answer)"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice (several answers)"
    NUMERIC = "numeric", "Numeric"
    WRITTEN = "written", "Written response"
    CODING = "coding", "Coding"


class Pool(models.TextChoices):
    """Which audience a question is written for. The two pools never share an item: a
    hiring question (and its key) is never shown in the public practice mode, and a
    practice question, whose key anyone can read there, is never drawn into a hiring test."""

    HIRING = "hiring", "Hiring (private)"
    PRACTICE = "practice", "Practice (public)"
    # One organization's own question (assess.library records which): never in the bank
    # files, the public practice mode, the API's bank or another organization's builder.
    # `hiring()` and `practice()` leave these out, so every bank read is safe by default.
    PRIVATE = "private", "Private (one organization's library)"


# The pools a bank file may name; `private` is set by the organizations' libraries only.
BANK_POOLS = (Pool.HIRING, Pool.PRACTICE)


CHOICE_KINDS = (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE)
# Scored by their key the moment they are answered (so they can steer an adaptive section).
AUTO_SCORED_KINDS = (*CHOICE_KINDS, Kind.NUMERIC)


class TopicQuerySet(models.QuerySet):
    def bank(self) -> "TopicQuerySet":
        """The bank's topics: what practice, the bank files and everyone's builder offer.
        An organization's own topics (`private`) belong to its library alone."""
        return self.filter(private=False)


class Topic(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    # An organization's own topic (assess.library owns the link; its slug is namespaced).
    private = models.BooleanField(default=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.title


class QuestionQuerySet(models.QuerySet):
    def usable(self) -> "QuestionQuerySet":
        """Questions a new draw or pick may take: not retired, with a version to show."""
        return self.filter(is_active=True, latest_version__isnull=False)

    def hiring(self) -> "QuestionQuerySet":
        """Usable questions of the private hiring pool (tests, the builder, the API)."""
        return self.usable().filter(pool=Pool.HIRING)

    def practice(self) -> "QuestionQuerySet":
        """Usable questions of the public practice pool."""
        return self.usable().filter(pool=Pool.PRACTICE)


class Question(models.Model):
    key = models.SlugField("bank id", max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="questions")
    level = models.CharField(max_length=10, choices=Level.choices)
    # A question removed from the bank files is retired, never deleted: attempts may
    # still point at its versions.
    is_active = models.BooleanField(default=True)
    # A question keeps its pool for life (the loader refuses to move a hiring question
    # into practice): its key may have been shown to candidates' employers only.
    pool = models.CharField(max_length=10, choices=Pool.choices, default=Pool.HIRING)
    source_file = models.CharField(max_length=300, blank=True)
    # Bank ids this question gives away or duplicates, as declared in its file (the
    # relation is symmetric; `quizzes.draws` closes it into exclusion groups). Not part
    # of a version: it is about which questions meet in one attempt, not what was shown.
    excludes = models.JSONField(default=list, blank=True)
    # Retired by a bank editor in the admin (over-exposed, or dubious statistics): stays
    # inactive when the files are loaded again, until an editor returns it.
    retired_in_admin = models.BooleanField(default=False)
    # Candidates (attempts) that have been shown any version of it; refreshed with the
    # item statistics. Above QUIZZES_EXPOSURE_LIMIT it is drawn less (quizzes.draws).
    seen_by = models.PositiveIntegerField(default=0)
    # Organizations whose candidates were shown it, refreshed with `seen_by`: the leak
    # watch (an item many organizations used is the likeliest to circulate).
    seen_in_organizations = models.PositiveIntegerField(default=0)
    latest_version = models.ForeignKey(
        "QuestionVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["topic__position", "level", "key"]
        indexes = [models.Index(fields=["kind", "level", "topic", "is_active"])]

    def __str__(self) -> str:
        return self.key

    @transaction.atomic
    def record_version(self, content: dict, content_hash: str) -> "QuestionVersion | None":
        """Store `content` as the next version unless it equals the latest; return it."""
        locked = Question.objects.select_for_update().get(pk=self.pk)
        latest = locked.latest_version
        if latest is not None and latest.content_hash == content_hash:
            return None
        number = 1 if latest is None else latest.number + 1
        version = QuestionVersion.objects.create(
            question=locked, number=number, content=content, content_hash=content_hash
        )
        locked.latest_version = version
        locked.save(update_fields=["latest_version", "updated_at"])
        self.latest_version = version
        return version


class QuestionVersion(models.Model):
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    # The whole validated question as it was in the bank file (prompt, explanation,
    # choices, params, rubric, ...): the exact text an attempt saw.
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="unique_question_version")
        ]

    def __str__(self) -> str:
        return f"{self.question.key} v{self.number}"

    @property
    def kind(self) -> str:
        return self.content["kind"]


class PracticeRun(models.Model):
    """A short public practice quiz; owned by the browser session that started it."""

    token = models.CharField(max_length=43, unique=True)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL)
    level = models.CharField(max_length=10, choices=Level.choices, blank=True)
    # [{"version": id, "seed": int, "order": [choice indices as shown]}]
    items = models.JSONField()
    # {"0": {"response": ..., "correct": bool, "score": float}}
    answers = models.JSONField(default=dict)
    # Set for a signed-in visitor, whose progress is then kept across quizzes.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="practice_runs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"practice {self.token[:8]}"


class ItemStatistics(models.Model):
    """Classical item statistics of one question version from submitted attempts
    (docs/bank.md): in one assessment, or over every attempt (`assessment_id` None).
    `variant` is "" for the question as a whole, else one numeric variant."""

    # The assessment's id, not a foreign key: the bank never depends on the hiring app.
    assessment_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    version = models.ForeignKey(
        QuestionVersion, on_delete=models.CASCADE, related_name="statistics"
    )
    variant = models.CharField(max_length=300, blank=True)
    responses = models.PositiveIntegerField()
    facility = models.FloatField(null=True)
    sd = models.FloatField(null=True)
    discrimination = models.FloatField(null=True)
    discriminative_efficiency = models.FloatField(null=True)
    median_seconds = models.FloatField(null=True)
    mean_seconds = models.FloatField(null=True)
    flags = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "item statistics"
        ordering = ["assessment_id", "version__question__key", "-version__number", "variant"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment_id", "version", "variant"], name="one_item_row_per_assessment"
            ),
            models.UniqueConstraint(
                fields=["version", "variant"],
                condition=models.Q(assessment_id__isnull=True),
                name="one_item_row_over_all_attempts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.variant}".strip()

    @property
    def dubious(self) -> bool:
        return bool(self.flags)


class AssessmentStatistics(models.Model):
    """Reliability of one assessment from its submitted attempts (docs/bank.md)."""

    assessment_id = models.PositiveIntegerField(unique=True)
    # A copy of the assessment's title when computed, for the bank editors' page.
    title = models.CharField(max_length=200)
    attempts = models.PositiveIntegerField()
    items_per_attempt = models.FloatField()
    mean_percent = models.FloatField(null=True)
    sd_percent = models.FloatField(null=True)
    alpha = models.FloatField(null=True)
    error_ratio = models.FloatField(null=True)
    sem_percent = models.FloatField(null=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "assessment statistics"
        ordering = ["title", "assessment_id"]

    def __str__(self) -> str:
        return f"{self.title} (statistics)"


class ExposureParameters(models.Model):
    """Sympson-Hetter exposure parameters fitted with one item calibration (docs/scoring.md):
    an adaptive section shows question j, once selected, with probability `k[j]`, so no
    question reaches more than about `target` of candidates."""

    # The calibration's id, not a foreign key: the bank never depends on the assess app.
    calibration_id = models.PositiveIntegerField(unique=True)
    target = models.FloatField(help_text="The most a question's share of candidates may be.")
    tolerance = models.FloatField()
    # {"question id": k}; a question missing (added since) is not restricted.
    k = models.JSONField()
    simulated_candidates = models.PositiveIntegerField()
    simulated_max_exposure = models.FloatField()
    iterations = models.PositiveIntegerField()
    converged = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "exposure parameters"
        ordering = ["-calibration_id"]

    def __str__(self) -> str:
        return f"exposure control of calibration v{self.calibration_id} (r_max {self.target:g})"
