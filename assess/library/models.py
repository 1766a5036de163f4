"""An organization's question library: who may write, and each item's working copy.

A published item is a `quizzes.Question` of the `private` pool, so the bank's versions,
draws, scoring and statistics apply unchanged; the link to its owner lives here (the bank
never depends on `assess`). The item's `source` is the author's working copy in the bank's
YAML format: candidates only ever see a published `QuestionVersion`.
"""

from django.conf import settings
from django.db import models

from assess.orgs.models import Organization


class LibraryPolicy(models.Model):
    """An organization's library settings; an organization without a row has the defaults
    (admins write, no second-person review)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="library_policy"
    )
    review_required = models.BooleanField(
        "Second-person review",
        default=False,
        help_text="A question is published only after someone other than its author approves it.",
    )
    # Recruiters the admin lets write questions (admins always may).
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    def __str__(self) -> str:
        return f"library policy of {self.organization}"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "Waiting for review"
    PUBLISHED = "published", "Published"


class LibraryItem(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="library_items"
    )
    # The author's id, unique in the organization; the stored bank key is namespaced
    # (`assess.library.authoring.stored_key`) so two organizations never collide.
    slug = models.SlugField(max_length=60)
    kind = models.CharField(max_length=20)
    # The working copy, as the bank's YAML for one question.
    source = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # Set at the first publication; a later one adds a version to the same question, and
    # every attempt keeps the version it was given. PROTECT: attempts may point at it.
    question = models.OneToOneField(
        "quizzes.Question",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="library_item",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"], name="one_library_slug_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def retired(self) -> bool:
        return self.question_id is not None and not self.question.is_active


class LibraryTopic(models.Model):
    """A topic an organization added for its own questions. Its `quizzes.Topic` is private
    (left out of the bank's lists) and stored under a namespaced slug, like the items' keys;
    the author only ever sees `slug`."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="library_topics"
    )
    slug = models.SlugField(max_length=60)
    # PROTECT from the questions' side: a topic in use is not deleted (services refuse it).
    topic = models.OneToOneField(
        "quizzes.Topic", on_delete=models.CASCADE, related_name="library_topic"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"], name="one_library_topic_slug_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.slug
