"""Erasing a candidate, legal holds, and an organization's privacy settings.

Erasure removes everything that names or came from the candidate (invitation, attempt,
answers, code and its sample runs, grading reports and re-grades, rubric notes, integrity
signals, share links, queued email, stored webhook payloads, the admin site's log of those
rows) and keeps, without identity, only what the bank's statistics need
(`AnonymousResponse`). It is recorded three ways, none of which names the candidate: an
audit entry, a `candidate.erased` webhook, and a line in the erasure log that a restore
replays.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from assess.attempts.models import Answer, Attempt, IntegrityEvent, IntegrityKind
from assess.audit import events
from assess.audit.trail import record_event
from assess.hiring.models import Invitation
from assess.orgs.models import Organization
from grader.models import Submission

from .erasure_log import ErasureLine, erasure_log_append
from .models import (
    AnonymousResponse,
    AuditAction,
    AuditSource,
    ErasedGrade,
    LegalHold,
    PrivacyAuditEntry,
    PrivacySettings,
)
from .policy import (
    HOLD_REASON_MAX,
    CandidateHeld,
    CandidateNotFound,
    PrivacyError,
    privacy_settings_of,
)
from .signals import candidate_erased


def audit_record(
    organization_id: int, action: str, source: str, *, actor=None, detail: str = ""
) -> PrivacyAuditEntry:
    return PrivacyAuditEntry.objects.create(
        organization_id=organization_id,
        action=action,
        source=source,
        actor=actor if actor is not None and actor.is_authenticated else None,
        detail=detail,
    )


def privacy_settings_update(
    organization: Organization,
    *,
    privacy_text: str,
    contact: str,
    retention_days: int,
    evidence_days: int,
    actor=None,
) -> PrivacySettings:
    """Save the organization's notice text, contact and periods (validated by the form);
    audited. Candidates who start later see the new notice (a new version)."""
    if evidence_days > retention_days:
        raise PrivacyError("Integrity evidence cannot be kept longer than the attempts.")
    with transaction.atomic():
        row = privacy_settings_of(organization)
        row.privacy_text = privacy_text.strip()
        row.contact = contact.strip()
        row.retention_days = retention_days
        row.evidence_days = evidence_days
        row.save()
        audit_record(
            organization.pk,
            AuditAction.SETTINGS_CHANGED,
            AuditSource.ADMIN,
            actor=actor,
            detail=f"attempts {retention_days} days, evidence {evidence_days} days",
        )
    return row


# --- Legal holds ----------------------------------------------------------------------------


def hold_place(invitation: Invitation, reason: str, *, actor=None) -> LegalHold:
    reason = " ".join(reason.split())
    if not reason:
        raise PrivacyError("Say why the data must be kept (e.g. the claim or case it serves).")
    if len(reason) > HOLD_REASON_MAX:
        raise PrivacyError(f"Keep the reason under {HOLD_REASON_MAX} characters.")
    with transaction.atomic():
        hold, created = LegalHold.objects.get_or_create(
            invitation=invitation, defaults={"reason": reason, "placed_by": actor}
        )
        if not created:
            raise PrivacyError("This candidate's data is already on hold.")
        audit_record(
            invitation.organization_id,
            AuditAction.HOLD_PLACED,
            AuditSource.ADMIN,
            actor=actor,
            detail=f"invitation {invitation.pk}",
        )
    return hold


def hold_lift(invitation: Invitation, *, actor=None) -> None:
    with transaction.atomic():
        deleted, _ = LegalHold.objects.filter(invitation=invitation).delete()
        if not deleted:
            raise PrivacyError("This candidate's data is not on hold.")
        audit_record(
            invitation.organization_id,
            AuditAction.HOLD_LIFTED,
            AuditSource.ADMIN,
            actor=actor,
            detail=f"invitation {invitation.pk}",
        )


# --- Erasure --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureReceipt:
    organization_id: int
    invitation_id: int
    attempt_id: int | None
    anonymous_responses: int


def _anonymize_responses(attempt: Attempt) -> int:
    """Copy what item statistics and calibration read from the attempt's answers into
    rows without identity (assess.review.item_responses and assess.calibration read both)."""
    seconds = {
        row["position"]: row["ms"] / 1000
        for row in IntegrityEvent.objects.filter(
            attempt=attempt, kind=IntegrityKind.QUESTION_TIME, position__isnull=False
        )
        .values("position")
        .annotate(ms=Sum("amount"))
    }
    respondent = secrets.randbits(62)
    rows = [
        AnonymousResponse(
            respondent=respondent,
            assessment_id=attempt.assessment_id,
            question_version_id=answer.question_version_id,
            position=answer.position,
            submitted=attempt.submitted_at is not None,
            score=answer.score,
            seconds=seconds.get(answer.position),
            drawn_values=answer.drawn_values,
        )
        for answer in attempt.answers.all()
    ]
    AnonymousResponse.objects.bulk_create(rows)
    return len(rows)


def _keep_metric_counts(attempt: Attempt) -> None:
    """The rows the metrics count, without their content (see ErasedGrade; the API keeps
    its deliveries' counts when it hears `candidate_erased`)."""
    grades = Submission.objects.filter(answer__attempt=attempt, public_only=False)
    ErasedGrade.objects.bulk_create(
        ErasedGrade(**row)
        for row in grades.values("status", "verdict", "attempts", "created_at", "finished_at")
    )


def _admin_log_forget(model, ids) -> None:
    """The admin site's history keeps each row's str() as it was; before invitations were
    named by number, that was the candidate's name and email."""
    ids = [str(pk) for pk in ids]
    if ids:
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=ids
        ).delete()


def candidate_erase(
    invitation: Invitation,
    *,
    source: str,
    actor=None,
    replaying: bool = False,
    now: datetime | None = None,
) -> ErasureReceipt:
    """Erase the candidate of `invitation` (see the module's docstring). Refused while a
    legal hold is on. `replaying` (a restore re-applying the erasure log) neither appends
    to the log nor notifies again (both happened the first time); it is audited anew,
    since the restored audit trail predates it."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
        if locked is None:  # erased meanwhile (another admin, the candidate, retention)
            raise CandidateNotFound("This candidate's data has already been erased.")
        if LegalHold.objects.filter(invitation=locked).exists():
            raise CandidateHeld(
                "This candidate's data is under a legal hold; it can be erased once the "
                "hold is lifted."
            )
        attempt = Attempt.objects.select_for_update().filter(invitation=locked).first()
        anonymous = 0
        attempt_id = None
        if attempt is not None:
            attempt_id = attempt.pk
            anonymous = _anonymize_responses(attempt)
            _keep_metric_counts(attempt)
            answer_ids = list(attempt.answers.values_list("pk", flat=True))
            submission_ids = list(
                Submission.objects.filter(answer_id__in=answer_ids).values_list("pk", flat=True)
            )
            _admin_log_forget(Attempt, [attempt.pk])
            _admin_log_forget(Answer, answer_ids)
            _admin_log_forget(Submission, submission_ids)
            # Cascades to answers, submissions (sample runs too), re-grades, rubric
            # reviews, integrity events, share links, frozen points, the notice confirmation.
            attempt.delete()
        _admin_log_forget(Invitation, [locked.pk])
        line = ErasureLine(
            organization_id=locked.organization_id,
            invitation_id=locked.pk,
            invitation_created_at=locked.created_at.isoformat(),
            erased_at=now.isoformat(),
        )
        # Deleting the invitation also drops its sealed (queued) email link.
        locked.delete()
        audit_record(locked.organization_id, AuditAction.ERASED, source, actor=actor)
        record_event(
            events.CANDIDATE_ERASED,
            actor=actor,
            organization=locked.organization,
            target_type="assess.invitation",
            target_id=line.invitation_id,
            details={"source": source},
        )
        # In this transaction: the API forgets its stored payloads about the attempt and,
        # unless this is a replay, tells connected systems (`candidate.erased`).
        candidate_erased.send(
            sender=Invitation,
            organization_id=locked.organization_id,
            invitation_id=line.invitation_id,
            attempt_id=attempt_id,
            erased_at=now,
            replaying=replaying,
        )
        if not replaying:
            # Written before the commit: if the commit then failed, a restore would replay
            # an erasure that was asked for; written after, a crash between the two would
            # let a restore bring back data that was erased.
            erasure_log_append(line)
    return ErasureReceipt(locked.organization_id, line.invitation_id, attempt_id, anonymous)


def invitation_of(organization: Organization, invitation_id) -> Invitation:
    """The organization's invitation with this id (given as text from a form or URL);
    PrivacyError for anything else, another organization's included."""
    text = str(invitation_id).strip()
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 18):
        raise CandidateNotFound("No such candidate.")
    invitation = Invitation.objects.filter(organization=organization, pk=int(text)).first()
    if invitation is None:
        raise CandidateNotFound("No such candidate.")
    return invitation


# --- After a restore ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplaySummary:
    erased: int  # brought back by the restore, erased again
    absent: int  # not in the restored database (erased before the backup was taken)
    skipped: int  # the id now belongs to another invitation: left alone

    def __str__(self) -> str:
        return (
            f"{self.erased} erasure(s) re-applied, {self.absent} already absent, "
            f"{self.skipped} skipped (the id now names another invitation)"
        )


def _to_millisecond(moment: datetime) -> datetime:
    """Some dump formats (Django's JSON serializer among them) keep milliseconds only."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def erasures_replay(lines: list[ErasureLine]) -> ReplaySummary:
    """Re-apply the erasure log to a database restored from a backup: every invitation it
    names that is back is erased again, unless its id now names a different invitation
    (created at another time), which is left alone. A hold restored with it is dropped: the
    erasure was made after that hold was lifted."""
    erased = absent = skipped = 0
    for line in lines:
        invitation = Invitation.objects.filter(
            pk=line.invitation_id, organization_id=line.organization_id
        ).first()
        if invitation is None:
            absent += 1
            continue
        if _to_millisecond(invitation.created_at) != _to_millisecond(
            datetime.fromisoformat(line.invitation_created_at)
        ):
            skipped += 1
            continue
        LegalHold.objects.filter(invitation=invitation).delete()
        candidate_erase(invitation, source=AuditSource.RESTORE, replaying=True)
        erased += 1
    return ReplaySummary(erased, absent, skipped)
