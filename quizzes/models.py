"""The question bank's rows.

A `Question` is an identity (its bank id) plus the fields the bank is browsed by; the
text a candidate sees lives in immutable `QuestionVersion` rows, so an attempt that points
at a version keeps the exact wording it was shown even after the bank is edited.
"""

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


CHOICE_KINDS = (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE)


class Topic(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    key = models.SlugField("bank id", max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="questions")
    level = models.CharField(max_length=10, choices=Level.choices)
    # A question removed from the bank files is retired, never deleted: attempts may
    # still point at its versions.
    is_active = models.BooleanField(default=True)
    in_practice = models.BooleanField(
        default=True, help_text="Offered in the public practice mode."
    )
    source_file = models.CharField(max_length=300, blank=True)
    # Bank ids this question gives away or duplicates, as declared in its file (the
    # relation is symmetric; `quizzes.draws` closes it into exclusion groups). Not part
    # of a version: it is about which questions meet in one attempt, not what was shown.
    excludes = models.JSONField(default=list, blank=True)
    latest_version = models.ForeignKey(
        "QuestionVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"practice {self.token[:8]}"
