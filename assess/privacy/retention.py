"""Retention per organization: what is due for erasure, and the daily run that erases it.

An attempt is kept `retention_days` from its submission (or its deadline, if it was never
submitted); an invitation never started, from its expiry (or revocation). The focus and
paste signals (integrity evidence) go sooner, `evidence_days` after the same moment; the
time per question stays with the attempt, since item statistics read it. A legal hold
keeps everything of its candidate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import DateTimeField, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from assess.attempts.models import Attempt, IntegrityEvent, IntegrityKind
from assess.evidence.models import PlaybackLog
from assess.hiring.models import Invitation
from assess.orgs.models import Organization

from .models import AuditAction, AuditSource
from .policy import CandidateHeld, privacy_settings_of
from .services import audit_record, candidate_erase

logger = logging.getLogger(__name__)

LOOKAHEAD = timedelta(days=30)
EVIDENCE_KINDS = (IntegrityKind.TAB_HIDDEN, IntegrityKind.PASTE)


@dataclass(frozen=True)
class DueItem:
    invitation_id: int
    attempt_id: int | None
    candidate_name: str
    assessment_title: str
    due_at: datetime
    what: str  # "everything" or "integrity evidence"
    held: bool


def _kept_since():
    """The moment an attempt's retention counts from."""
    return Coalesce(F("submitted_at"), F("deadline"), output_field=DateTimeField())


def _candidates_due(organization: Organization, until: datetime) -> list[DueItem]:
    periods = privacy_settings_of(organization)
    keep = timedelta(days=periods.retention_days)
    items = []
    attempts = (
        Attempt.objects.filter(organization=organization)
        .annotate(since=_kept_since())
        .filter(since__lte=until - keep)
        .select_related("invitation__legal_hold", "assessment")
    )
    for attempt in attempts:
        invitation = attempt.invitation
        items.append(
            DueItem(
                invitation.pk,
                attempt.pk,
                invitation.candidate_name,
                attempt.assessment.title,
                attempt.since + keep,
                "everything",
                hasattr(invitation, "legal_hold"),
            )
        )
    unstarted = Invitation.objects.filter(
        organization=organization, attempt__isnull=True, expires_at__lte=until - keep
    ).select_related("legal_hold", "assessment")
    for invitation in unstarted:
        items.append(
            DueItem(
                invitation.pk,
                None,
                invitation.candidate_name,
                invitation.assessment.title,
                invitation.expires_at + keep,
                "everything",
                hasattr(invitation, "legal_hold"),
            )
        )
    return items


def _evidence_due(organization: Organization, until: datetime) -> list[DueItem]:
    periods = privacy_settings_of(organization)
    keep = timedelta(days=periods.evidence_days)
    attempts = (
        Attempt.objects.filter(organization=organization)
        .annotate(since=_kept_since())
        .filter(since__lte=until - keep)
        .filter(Q(integrity_events__kind__in=EVIDENCE_KINDS) | Q(answers__playback__isnull=False))
        .distinct()
        .select_related("invitation__legal_hold", "assessment")
    )
    return [
        DueItem(
            attempt.invitation_id,
            attempt.pk,
            attempt.invitation.candidate_name,
            attempt.assessment.title,
            attempt.since + keep,
            "integrity evidence",
            hasattr(attempt.invitation, "legal_hold"),
        )
        for attempt in attempts
    ]


def retention_upcoming(organization: Organization, *, now: datetime | None = None) -> list[DueItem]:
    """What retention erases from now to 30 days ahead (what is overdue included), soonest
    first; held candidates are listed, marked, and will not be erased."""
    until = (now or timezone.now()) + LOOKAHEAD
    items = _candidates_due(organization, until)
    whole = {item.invitation_id for item in items}
    items += [i for i in _evidence_due(organization, until) if i.invitation_id not in whole]
    return sorted(items, key=lambda item: (item.due_at, item.invitation_id))


def retention_due_now(organization: Organization, *, now: datetime | None = None) -> int:
    """Candidates whose data the next daily run would erase entirely (held ones aside)."""
    return sum(not item.held for item in _candidates_due(organization, now or timezone.now()))


@dataclass(frozen=True)
class RetentionRun:
    candidates_erased: int
    evidence_erased: int
    held: int

    def __str__(self) -> str:
        return (
            f"{self.candidates_erased} candidate(s) erased, integrity evidence of "
            f"{self.evidence_erased} attempt(s) erased, {self.held} held"
        )


def _evidence_erase(organization: Organization, now: datetime) -> int:
    periods = privacy_settings_of(organization)
    cutoff = now - timedelta(days=periods.evidence_days)
    events = (
        IntegrityEvent.objects.filter(attempt__organization=organization, kind__in=EVIDENCE_KINDS)
        .filter(
            Q(attempt__submitted_at__lte=cutoff)
            | Q(attempt__submitted_at__isnull=True, attempt__deadline__lte=cutoff)
        )
        .exclude(attempt__invitation__legal_hold__isnull=False)
    )
    # The code playback is evidence too (assess.evidence): it expires with the signals.
    playbacks = (
        PlaybackLog.objects.filter(answer__attempt__organization=organization)
        .filter(
            Q(answer__attempt__submitted_at__lte=cutoff)
            | Q(answer__attempt__submitted_at__isnull=True, answer__attempt__deadline__lte=cutoff)
        )
        .exclude(answer__attempt__invitation__legal_hold__isnull=False)
    )
    attempts = set(events.values_list("attempt_id", flat=True))
    attempts |= set(playbacks.values_list("answer__attempt_id", flat=True))
    if attempts:
        with transaction.atomic():
            events.delete()
            playbacks.delete()
            audit_record(
                organization.pk,
                AuditAction.EVIDENCE_EXPIRED,
                AuditSource.RETENTION,
                detail=f"{len(attempts)} attempt(s)",
            )
    return len(attempts)


def retention_apply(*, now: datetime | None = None) -> RetentionRun:
    """Erase, in every organization, what its periods say is due at `now` (the daily task)."""
    now = now or timezone.now()
    erased = evidence = held = 0
    for organization in Organization.objects.order_by("pk"):
        for item in _candidates_due(organization, now):
            if item.held:
                held += 1
                continue
            invitation = Invitation.objects.filter(pk=item.invitation_id).first()
            if invitation is None:  # erased meanwhile by someone else
                continue
            try:
                candidate_erase(invitation, source=AuditSource.RETENTION, now=now)
            except CandidateHeld:  # held between the listing and the erasure
                held += 1
                continue
            erased += 1
        evidence += _evidence_erase(organization, now)
    run = RetentionRun(erased, evidence, held)
    logger.info("retention: %s", run)
    return run
