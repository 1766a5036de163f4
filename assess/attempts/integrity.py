"""Integrity signals from the candidate's page: tab switches, pastes into an answer, time
per question. They are shown to reviewers as signals to look at, never as verdicts.

The page posts small batches (`attempt.js`); only the link holder can, only while the
attempt is open, at a limited rate and size, and the server's clock dates them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from .models import Attempt, IntegrityEvent, IntegrityKind
from .services import AttemptClosed, AttemptError, RateLimited, attempt_close_if_due

MAX_EVENTS_PER_POST = 20
MAX_BODY_BYTES = 4096
# One question's visible time per report is capped: a tab left open overnight is one
# long (and itself telling) sitting, not a number to overflow on.
MAX_QUESTION_MS = 6 * 3600 * 1000
MAX_PASTE_CHARS = 1_000_000


def _clean(event: Any, question_count: int) -> IntegrityEvent:
    if not isinstance(event, dict):
        raise AttemptError("Each event is an object.")
    kind = event.get("kind")
    if kind not in IntegrityKind.values:
        raise AttemptError("Unknown event kind.")
    position = event.get("position")
    if position is not None and (
        not isinstance(position, int)
        or isinstance(position, bool)
        or not 0 <= position < question_count
    ):
        raise AttemptError("Unknown question.")
    amount = event.get("amount", 0)
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise AttemptError("The amount is a non-negative integer.")
    if kind == IntegrityKind.QUESTION_TIME:
        if position is None:
            raise AttemptError("Time is reported per question.")
        amount = min(amount, MAX_QUESTION_MS)
    elif kind == IntegrityKind.PASTE:
        amount = min(amount, MAX_PASTE_CHARS)
    else:
        amount = 0
    return IntegrityEvent(kind=kind, position=position, amount=amount)


def integrity_record(attempt: Attempt, events: Any, *, now: datetime | None = None) -> int:
    """Store a batch of events for an open attempt; returns how many were stored.
    `AttemptClosed` once submitted or past the deadline, `RateLimited` beyond
    `ASSESS_SIGNAL_POSTS_PER_MINUTE`, `AttemptError` for a malformed batch."""
    now = now or timezone.now()
    attempt = attempt_close_if_due(attempt, now=now)
    if not attempt.is_open:
        raise AttemptClosed("This test has been submitted.")
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_EVENTS_PER_POST:
        raise AttemptError(f"Send 1 to {MAX_EVENTS_PER_POST} events.")
    question_count = attempt.answers.count()
    rows = [_clean(event, question_count) for event in events]
    # A batch's rows share one timestamp; the rate is counted in batches (distinct times).
    recent = (
        IntegrityEvent.objects.filter(attempt=attempt, created_at__gt=now - timedelta(seconds=60))
        .values("created_at")
        .distinct()
        .count()
    )
    if recent >= settings.ASSESS_SIGNAL_POSTS_PER_MINUTE:
        raise RateLimited("Too many reports; try again in a minute.", 60)
    if (
        IntegrityEvent.objects.filter(attempt=attempt).count() + len(rows)
        > settings.ASSESS_SIGNAL_MAX_EVENTS
    ):
        raise RateLimited("This attempt has reported enough events.", 3600)
    for row in rows:
        row.attempt, row.created_at = attempt, now
    IntegrityEvent.objects.bulk_create(rows)
    return len(rows)


@dataclass
class IntegritySummary:
    tab_switches: int = 0
    pastes: int = 0
    pasted_chars: int = 0
    seconds_per_question: dict[int, int] = field(default_factory=dict)
    pastes_per_question: dict[int, int] = field(default_factory=dict)

    @property
    def is_quiet(self) -> bool:
        return not (self.tab_switches or self.pastes)


def integrity_summary(attempt: Attempt) -> IntegritySummary:
    summary = IntegritySummary()
    ms: dict[int, int] = defaultdict(int)
    pastes: dict[int, int] = defaultdict(int)
    for kind, position, amount in attempt.integrity_events.values_list(
        "kind", "position", "amount"
    ):
        if kind == IntegrityKind.TAB_HIDDEN:
            summary.tab_switches += 1
        elif kind == IntegrityKind.PASTE:
            summary.pastes += 1
            summary.pasted_chars += amount
            if position is not None:
                pastes[position] += amount
        elif kind == IntegrityKind.QUESTION_TIME and position is not None:
            ms[position] += amount
    summary.seconds_per_question = {p: v // 1000 for p, v in sorted(ms.items())}
    summary.pastes_per_question = dict(sorted(pastes.items()))
    return summary
