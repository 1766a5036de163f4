"""Inviting candidates: one, or many from a CSV file; the link's token, resend, revoke,
extend, a failed email's retry, extra time, and the bulk decisions and reminders of the
candidates page. The email itself is sent by a worker (`assess.hiring.delivery`).

Views call these functions; none of them knows about requests. Who may call them is
`assess.orgs.access`.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from assess.audit import events
from assess.audit.trail import record_event
from assess.orgs.models import Organization
from assess.tokens import token_digest

from .delivery import email_retry, emails_queue
from .models import Assessment, Decision, EmailDelivery, Invitation
from .selectors import assessment_summary
from .services import RecruitingError


def assessment_check_sendable(assessment: Assessment) -> None:
    """Refuse to invite anyone to an assessment that cannot be built as it stands."""
    if assessment.archived_at is not None:
        raise RecruitingError("This assessment is archived; restore it to invite candidates.")
    problems = assessment_summary(assessment).problems
    if problems:
        raise RecruitingError("This assessment cannot be sent yet. " + " ".join(problems))


def invitation_create(
    assessment: Assessment,
    *,
    candidate_name: str,
    candidate_email: str,
    expires_at: datetime | None = None,
    created_by=None,
) -> tuple[Invitation, str]:
    """A new invitation and its token. The token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    if expires_at is None:
        expires_at = timezone.now() + timedelta(days=settings.ASSESS_INVITATION_DAYS)
    invitation = Invitation.objects.create(
        organization=assessment.organization,
        assessment=assessment,
        candidate_name=candidate_name,
        candidate_email=candidate_email,
        token_hash=token_digest(token),
        expires_at=expires_at,
        created_by=created_by,
    )
    return invitation, token


def invitation_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/t/{token}/"


def invitation_send(invitation: Invitation, token: str, base_url: str) -> None:
    """Queue the candidate's email with their link (sent by a worker, assess.hiring.delivery)."""
    emails_queue([(invitation, invitation_link(base_url, token))])
    record_event(
        events.INVITATION_SENT,
        actor=invitation.created_by,
        organization=invitation.organization,
        target=invitation,
    )


def _clean_candidate(name: str, email: str) -> tuple[str, str]:
    name = " ".join((name or "").split())  # also drops control characters such as \r, \n, \t
    email = (email or "").strip()
    if not name:
        raise RecruitingError("the name is empty")
    if len(name) > 200:
        raise RecruitingError("the name is longer than 200 characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise RecruitingError("the name contains control characters")
    try:
        validate_email(email)
    except ValidationError:
        raise RecruitingError(f"{email[:80]!r} is not an email address") from None
    if len(email) > 254:
        raise RecruitingError("the email address is too long")
    return name, email.lower()


def invitation_invite(
    assessment: Assessment,
    *,
    name: str,
    email: str,
    user,
    base_url: str,
    days: int | None = None,
    send_email: bool = True,
    checked: bool = False,
    extra_minutes: int = 0,
) -> tuple[Invitation, str]:
    """Create an invitation and (unless an applicant-tracking system mails its own links)
    email its link; returns it with the token (shown once). `checked`: the caller has
    just run `assessment_check_sendable` (a CSV file checks once for all its rows)."""
    if not checked:
        assessment_check_sendable(assessment)
    if not 0 <= extra_minutes <= MAX_EXTRA_MINUTES:
        raise RecruitingError(f"Extra time is 0 to {MAX_EXTRA_MINUTES} minutes.")
    name, email = _clean_candidate(name, email)
    expires_at = timezone.now() + timedelta(days=days or settings.ASSESS_INVITATION_DAYS)
    with transaction.atomic():
        invitation, token = invitation_create(
            assessment,
            candidate_name=name,
            candidate_email=email,
            expires_at=expires_at,
            created_by=user,
        )
        if extra_minutes:
            invitation.extra_minutes = extra_minutes
            invitation.save(update_fields=["extra_minutes"])
    if send_email:
        invitation_send(invitation, token, base_url)
    return invitation, token


@dataclass
class BulkResult:
    invited: list[Invitation] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)


CSV_MAX_BYTES = 256 * 1024
CSV_MAX_ROWS = 500


def _decode_csv(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecruitingError(
            f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read). "
            'Save it as "CSV UTF-8" and upload it again.'
        ) from None


def invitations_from_csv(assessment: Assessment, raw: bytes, *, user, base_url: str) -> BulkResult:
    """Invite every good row of a CSV file (`name,email`, header optional); bad rows are
    reported by line number and skipped. The whole file is refused only when it cannot be
    read at all (too large, not text, too many rows)."""
    assessment_check_sendable(assessment)
    if len(raw) > CSV_MAX_BYTES:
        raise RecruitingError(
            f"The file is larger than {CSV_MAX_BYTES // 1024} KiB; split it into smaller files."
        )
    text = _decode_csv(raw)
    if "\x00" in text:
        raise RecruitingError("The file contains binary data; upload a CSV text file.")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RecruitingError(
            f"The file is not a CSV file the reader understands ({exc})."
        ) from None
    has_header = bool(rows) and [c.strip().lower() for c in rows[0][:2]] == ["name", "email"]
    if len([r for r in rows if any(c.strip() for c in r)]) - has_header > CSV_MAX_ROWS:
        raise RecruitingError(
            f"The file has more than {CSV_MAX_ROWS} rows; split it into smaller files."
        )
    result = BulkResult()
    links: list[tuple[Invitation, str]] = []
    seen = set(
        assessment.invitations.filter(revoked_at__isnull=True).values_list(
            "candidate_email", flat=True
        )
    )
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (number == 1 and has_header):
            continue
        if len(cells) != 2:
            result.errors.append((number, f"expected 2 columns (name, email), found {len(cells)}"))
            continue
        try:
            name, email = _clean_candidate(*cells)
        except RecruitingError as exc:
            result.errors.append((number, str(exc)))
            continue
        if email in seen:
            result.errors.append((number, f"{email} is already invited to this assessment"))
            continue
        seen.add(email)
        invitation, token = invitation_invite(
            assessment,
            name=name,
            email=email,
            user=user,
            base_url=base_url,
            send_email=False,
            checked=True,
        )
        result.invited.append(invitation)
        links.append((invitation, invitation_link(base_url, token)))
    emails_queue(links)  # sent in batches, one SMTP connection each
    return result


def _not_started(invitation: Invitation) -> None:
    if Invitation.objects.filter(pk=invitation.pk, attempt__isnull=False).exists():
        raise RecruitingError("The candidate has already started this test.")


def _token_replace(invitation: Invitation) -> str:
    """A new token for a candidate who has not started: only the token's hash is stored, so
    the old link is replaced by a new one (and stops working). Also re-opens an expired or
    revoked invitation."""
    _not_started(invitation)
    if invitation.assessment.archived_at is not None:
        raise RecruitingError("This assessment is archived; restore it to invite candidates.")
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_digest(token)
    invitation.revoked_at = None
    invitation.expires_at = max(
        invitation.expires_at, timezone.now() + timedelta(days=settings.ASSESS_INVITATION_DAYS)
    )
    invitation.save(update_fields=["token_hash", "revoked_at", "expires_at"])
    return token


def invitation_resend(invitation: Invitation, *, base_url: str) -> str:
    """Email a new link (the old one stops working)."""
    token = _token_replace(invitation)
    invitation_send(invitation, token, base_url)
    return token


def invitation_new_link(invitation: Invitation) -> str:
    """A new link for the recruiter to copy and hand over themselves (no email: for a
    server without email, or a candidate who lost theirs). The old link stops working, and
    an email still waiting to go out with it is cancelled so it cannot deliver a dead link.
    The token is returned once and never stored, like a new invitation's."""
    token = _token_replace(invitation)
    Invitation.objects.filter(
        pk=invitation.pk,
        delivery__in=(EmailDelivery.QUEUED, EmailDelivery.RETRYING, EmailDelivery.FAILED),
    ).update(delivery=EmailDelivery.NOT_EMAILED, sealed_link="", delivery_error="")
    return token


def invitation_email_retry(invitation: Invitation) -> None:
    """Send the invitation's email again, with the same link, after it failed."""
    _not_started(invitation)
    if not email_retry(invitation):
        raise RecruitingError("There is no failed email to retry; send a new link instead.")


def invitation_revoke(invitation: Invitation) -> Invitation:
    _not_started(invitation)
    now = timezone.now()
    invitation.revoked_at = now
    invitation.expires_at = min(invitation.expires_at, now)
    invitation.save(update_fields=["revoked_at", "expires_at"])
    return invitation


def invitation_extend(invitation: Invitation, days: int) -> Invitation:
    """Move the expiry `days` later (from now if it already passed); un-revokes."""
    if not 1 <= days <= 90:
        raise RecruitingError("Extend by 1 to 90 days.")
    _not_started(invitation)
    base = max(invitation.expires_at, timezone.now())
    invitation.expires_at = base + timedelta(days=days)
    invitation.revoked_at = None
    invitation.save(update_fields=["expires_at", "revoked_at"])
    return invitation


# --- Extra time, decisions and bulk actions on candidates -----------------------------------

MAX_EXTRA_MINUTES = 600


def extra_minutes_for(assessment: Assessment, *, percent: int = 0, minutes: int = 0) -> int:
    """Extra time as the anchors offer it for accommodations: a share of the time limit
    (+25/50/100%), rounded up to a whole minute, or custom minutes (which win)."""
    if minutes:
        return minutes
    return -(-assessment.time_limit_minutes * percent // 100)


BULK_ACTIONS = ("advance", "reject", "remind")


@dataclass
class BulkOutcome:
    done: list[Invitation] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line per candidate, in words


def candidates_bulk(
    organization: Organization, invitation_ids: list[int], action: str, *, base_url: str
) -> BulkOutcome:
    """Advance, reject or remind the chosen candidates of one organization. A reminder goes
    only to those who have not started (with a new link: links are stored hashed)."""
    if action not in BULK_ACTIONS:
        raise RecruitingError("Unknown action.")
    outcome = BulkOutcome()
    chosen = Invitation.objects.filter(organization=organization, pk__in=invitation_ids)
    for invitation in chosen.select_related("assessment__organization").order_by("pk"):
        if action in ("advance", "reject"):
            decision = Decision.ADVANCED if action == "advance" else Decision.REJECTED
            Invitation.objects.filter(pk=invitation.pk).update(
                decision=decision, decided_at=timezone.now()
            )
            outcome.done.append(invitation)
            continue
        try:
            invitation_resend(invitation, base_url=base_url)
        except RecruitingError as exc:
            outcome.skipped.append(f"{invitation.candidate_name}: {exc}")
        else:
            outcome.done.append(invitation)
    return outcome
