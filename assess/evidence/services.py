"""The reviewer's decision on an attempt's integrity evidence."""

from __future__ import annotations

from django.utils import timezone

from assess.attempts.models import Attempt

from .models import Decision, IntegrityDecision


def integrity_decide(attempt: Attempt, decision: str, note: str, reviewer) -> IntegrityDecision:
    """Record a decision (a new row: the earlier ones stay as the audit trail)."""
    if decision not in Decision.values:
        raise ValueError(f"Unknown decision {decision!r}.")
    return IntegrityDecision.objects.create(
        attempt=attempt,
        decision=decision,
        note=note.strip(),
        reviewer=reviewer,
        created_at=timezone.now(),
    )
