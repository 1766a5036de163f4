"""A coding answer handed to the grader, and the one final result written for it."""

from django.db import models
from django.db.models import Q


class SubmissionStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    # No live worker can grade it (a GPU-only problem and no GPU worker, a torch problem and
    # no worker with torch): not sent anywhere; the sweep queues it when one announces
    # itself. The stored value predates torch-less workers.
    WAITING_GPU = "waiting_gpu", "Waiting for a capable worker"
    GRADED = "graded", "Graded"
    # Final only after the retries are spent: an infrastructure failure, never a pass or a fail.
    INTERNAL_ERROR = "internal_error", "Internal error"


FINAL_STATUSES = (SubmissionStatus.GRADED, SubmissionStatus.INTERNAL_ERROR)


class Submission(models.Model):
    """The source is stored before any task is queued, so a broker outage loses nothing:
    the row waits as `queued` and the periodic sweep queues it again."""

    answer = models.ForeignKey(
        "assess.Answer", on_delete=models.CASCADE, related_name="submissions"
    )
    problem = models.CharField(max_length=80)
    source = models.TextField()
    # "Run sample tests": public cases only, shown to the candidate, never scored.
    public_only = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.QUEUED
    )
    report = models.JSONField(null=True, blank=True)
    verdict = models.CharField(max_length=40, blank=True)
    score = models.FloatField(null=True, blank=True)
    # How many times a worker started grading it (redeliveries and retries included).
    attempts = models.PositiveIntegerField(default=0)
    # The Celery queue it was last sent to ('cpu', 'gpu'); the sweep re-routes GPU work
    # whose GPU worker died.
    queue = models.CharField(max_length=40, blank=True)
    # The Celery task id of the message last sent for it; the sweep re-sends a queued row
    # only when that message is no longer waiting in the broker.
    task_id = models.CharField(max_length=64, blank=True)
    # The worker instance ("<hostname>/<instance id>") that reserved or is running it;
    # when that worker's announcement expires the sweep hands the row to another worker.
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The graded (final) submission of an answer exists once: a double submit or a
            # re-run of the submission step cannot make a second one.
            models.UniqueConstraint(
                fields=["answer"],
                condition=Q(public_only=False),
                name="one_final_submission_per_answer",
            ),
        ]
        indexes = [models.Index(fields=["status", "enqueued_at"])]

    def __str__(self) -> str:
        return f"submission {self.pk} · {self.problem} · {self.status}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class AuthoredStatus(models.TextChoices):
    PENDING = "pending", "Running the reference in the sandbox"
    BUILT = "built", "Built"
    FAILED = "failed", "The reference failed"


class AuthoredProblem(models.Model):
    """A coding problem built from an author's reference (grader.engine.authored): one row
    per version of the spec, never changed once built, so an attempt graded later is graded
    against the very expected values its version had. The slug ends with a digest of the
    spec; `owner` is the organization's id (the grader knows no organizations)."""

    slug = models.CharField(max_length=80, unique=True)
    owner = models.PositiveBigIntegerField(db_index=True)
    spec = models.JSONField()
    level = models.CharField(max_length=12, default="mid")
    status = models.CharField(
        max_length=12, choices=AuthoredStatus.choices, default=AuthoredStatus.PENDING
    )
    # Why the reference failed, for its author.
    errors = models.JSONField(default=list, blank=True)
    # Why the tests are too weak to publish (surviving mutants, degenerate scores).
    weaknesses = models.JSONField(default=list, blank=True)
    mutants = models.JSONField(default=list, blank=True)
    degenerate = models.JSONField(default=dict, blank=True)
    # The inputs, the expected values and the killed mutants' outputs, as one .npz.
    arrays = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    built_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"authored problem {self.slug} · {self.status}"
