"""What reviewers add to an attempt: rubric scores of written answers, re-grades of coding ones."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from assess.attempts.models import Answer, Attempt


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
    # How long the reviewer had the answer open before saving (None: not measured).
    seconds = models.PositiveIntegerField(null=True, blank=True)

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


class ReportShare(models.Model):
    """A read-only link to one attempt's report for a hiring manager without an account.
    Only the token's hash is stored; the link stops working at `expires_at` or when revoked."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="shares")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"share of attempt {self.attempt_id} until {self.expires_at:%Y-%m-%d}"
