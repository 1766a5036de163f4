"""Each test's integrity policy: whether AI assistance and pasting from outside the page are
allowed. The candidate reads it, with what is recorded, before starting (the landing page)."""

from __future__ import annotations

from django.utils import timezone

from assess.hiring.models import Assessment

from .models import IntegrityPolicy

# What the code playback records, in the candidate's words (the landing page and the
# privacy notice's neighbour say it before the start).
RECORDED = (
    "In coding questions, the editor records how your code was written: each edit with "
    "its time, what you paste and whether it was copied from this page, when this page "
    "loses and gets back the focus, and each run of the sample tests. Reviewers can "
    "replay it. It is kept and erased with the rest of your answers."
)


def integrity_policy_of(assessment: Assessment) -> IntegrityPolicy:
    """The test's policy; a test with none allows both (an unsaved row saying so)."""
    policy = IntegrityPolicy.objects.filter(assessment=assessment).first()
    return policy or IntegrityPolicy(assessment=assessment)


def integrity_policy_set(
    assessment: Assessment, *, ai_assistance_allowed: bool, outside_paste_allowed: bool
) -> IntegrityPolicy:
    policy, _ = IntegrityPolicy.objects.update_or_create(
        assessment=assessment,
        defaults={
            "ai_assistance_allowed": ai_assistance_allowed,
            "outside_paste_allowed": outside_paste_allowed,
            "updated_at": timezone.now(),
        },
    )
    return policy
