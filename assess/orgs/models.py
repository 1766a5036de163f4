"""Organizations and who works in them. Every row that belongs to an organization is
scoped to it; the assessment flow builds on these."""

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    RECRUITER = "recruiter", "Recruiter"
    REVIEWER = "reviewer", "Reviewer"
    ADMIN = "admin", "Admin"


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    # Off unless the organization chooses it: candidates then see their topic scores and
    # the misconceptions found (never keys or hidden tests) once grading is done.
    candidate_feedback = models.BooleanField(
        default=False, help_text="Show candidates a feedback report after grading."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Problems that need a GPU are drawn into tests and can be picked only when the
    # organization runs (or rents) a GPU worker; otherwise they would never be graded.
    gpu_grading = models.BooleanField(
        "GPU grading",
        default=False,
        help_text="A GPU worker grades this organization's GPU-only coding problems.",
    )

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


# --- Review: integrity signals, rubric scores, re-grades ------------------------------------
