"""The recruiter's actions: building assessments from the bank, and inviting candidates
(one, or many from a CSV file; the link's token, resend, revoke, extend, the email).

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

from assess.orgs.models import Organization
from assess.tokens import token_digest
from quizzes.models import Question, Topic
from quizzes.questions import question_placement

from .delivery import email_retry, emails_queue
from .models import (
    MAX_POINTS,
    MIN_POINTS,
    Assessment,
    Decision,
    Invitation,
    Section,
    SectionQuestion,
)
from .selectors import assessment_summary, draw_available


class RecruitingError(Exception):
    """A request that cannot be honoured, in words for the person who made it."""


# --- The bank, as the builder browses it ----------------------------------------------------


# --- Building -------------------------------------------------------------------------------

ASSESSMENT_FIELDS = (
    "title",
    "instructions",
    "invitation_message",
    "time_limit_minutes",
    "pass_mark",
    "shuffle_questions",
    "shuffle_choices",
)


@transaction.atomic
def assessment_create(organization: Organization, user, **fields) -> Assessment:
    """A new assessment with one empty section to pick questions into."""
    assessment = Assessment.objects.create(
        organization=organization,
        created_by=user,
        **{k: v for k, v in fields.items() if k in ASSESSMENT_FIELDS},
    )
    Section.objects.create(assessment=assessment, title="Questions", position=0)
    return assessment


def assessment_update(assessment: Assessment, **fields) -> Assessment:
    changed = [k for k in ASSESSMENT_FIELDS if k in fields]
    for name in changed:
        setattr(assessment, name, fields[name])
    assessment.save(update_fields=changed)
    return assessment


@transaction.atomic
def assessment_duplicate(assessment: Assessment, user) -> Assessment:
    """A copy with the same settings and sections, not archived, without invitations."""
    copy = Assessment.objects.create(
        organization=assessment.organization,
        created_by=user,
        title=f"{assessment.title} (copy)"[:200],
        **{k: getattr(assessment, k) for k in ASSESSMENT_FIELDS if k != "title"},
    )
    for section in assessment.sections.all():
        new = Section.objects.create(
            assessment=copy,
            title=section.title,
            position=section.position,
            draw_count=section.draw_count,
            draw_kind=section.draw_kind,
            draw_level=section.draw_level,
            draw_topic=section.draw_topic,
            draw_points=section.draw_points,
            **{name: getattr(section, name) for name in ADAPTIVE_FIELDS},
        )
        SectionQuestion.objects.bulk_create(
            SectionQuestion(
                section=new,
                question_id=pick.question_id,
                position=pick.position,
                points=pick.points,
            )
            for pick in section.picks.all()
        )
    return copy


def assessment_archive(assessment: Assessment, *, archived: bool = True) -> Assessment:
    assessment.archived_at = timezone.now() if archived else None
    assessment.save(update_fields=["archived_at"])
    return assessment


def section_add(assessment: Assessment, title: str) -> Section:
    position = (
        assessment.sections.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    return Section.objects.create(
        assessment=assessment, title=title.strip()[:200] or "Questions", position=position
    )


def section_pick(section: Section, question: Question) -> None:
    """Add a bank question at the end of the section."""
    if not question.is_active or question.latest_version_id is None:
        raise RecruitingError("This question is retired from the bank.")
    organization = section.assessment.organization
    placement = question_placement(question.latest_version.content)
    if placement == "gpu-required" and not organization.gpu_grading:
        raise RecruitingError(
            f"{question.key} needs a GPU worker to be graded, and GPU grading is off for "
            f"{organization.name}."
        )
    with transaction.atomic():
        Section.objects.select_for_update().get(pk=section.pk)  # two picks never share a place
        if SectionQuestion.objects.filter(
            section__assessment=section.assessment_id, question=question
        ).exists():
            raise RecruitingError(f"{question.key} is already in this assessment.")
        last = section.picks.order_by("-position").values_list("position", flat=True).first()
        SectionQuestion.objects.create(
            section=section, question=question, position=0 if last is None else last + 1
        )


@transaction.atomic
def section_set_picks(section: Section, questions: list[Question]) -> None:
    """Replace the section's picks with `questions`, in this order."""
    section.picks.all().delete()
    SectionQuestion.objects.bulk_create(
        SectionQuestion(section=section, question=q, position=i) for i, q in enumerate(questions)
    )


def section_unpick(section: Section, question: Question) -> None:
    section.picks.filter(question=question).delete()


@transaction.atomic
def section_move(section: Section, question: Question, offset: int) -> None:
    """Move a pick `offset` places (-1: up, +1: down) within its section; the ends stay put."""
    Section.objects.select_for_update().get(pk=section.pk)
    picks = list(section.picks.all())
    index = next((i for i, p in enumerate(picks) if p.question_id == question.pk), None)
    if index is None:
        raise RecruitingError(f"{question.key} is not in this section.")
    target = min(max(index + offset, 0), len(picks) - 1)
    picks.insert(target, picks.pop(index))
    for position, pick in enumerate(picks):
        pick.position = position
    SectionQuestion.objects.bulk_update(picks, ["position"])


POINTS_ERROR = f"Points are a whole number from {MIN_POINTS} to {MAX_POINTS}."


def _check_points(points: int) -> None:
    if not MIN_POINTS <= points <= MAX_POINTS:
        raise RecruitingError(POINTS_ERROR)


def section_set_points(section: Section, question: Question, points: int) -> None:
    """What a picked question is worth in the attempts started from now on."""
    _check_points(points)
    if not section.picks.filter(question=question).update(points=points):
        raise RecruitingError(f"{question.key} is not in this section.")


def section_set_draw(
    section: Section,
    *,
    count: int,
    kind: str = "",
    level: str = "",
    topic: Topic | None = None,
    points: int | None = None,
) -> Section:
    """Draw `count` random questions matching the filters, each worth `points` (None: as
    before); refused when the bank (less the questions already in the assessment) has
    fewer."""
    if not 0 <= count <= 100:
        raise RecruitingError("Draw between 0 and 100 questions.")
    if points is not None:
        _check_points(points)
        section.draw_points = points
    section.draw_count, section.draw_kind, section.draw_level, section.draw_topic = (
        count,
        kind,
        level,
        topic,
    )
    if count:
        picked = SectionQuestion.objects.filter(section__assessment=section.assessment_id)
        others = section.assessment.sections.exclude(pk=section.pk).filter(draw_count__gt=0)
        available = draw_available(
            section,
            section.assessment.organization,
            set(picked.values_list("question_id", flat=True)),
        )
        if count > available:
            raise RecruitingError(
                f"The bank has {available} question{'s' if available != 1 else ''} that fit "
                f"these filters{' and are not picked already' if picked.exists() else ''}; "
                f"{count} cannot be drawn."
                + (" Other sections' draws take from the same bank." if others.exists() else "")
            )
    section.save(
        update_fields=["draw_count", "draw_kind", "draw_level", "draw_topic", "draw_points"]
    )
    return section


ADAPTIVE_FIELDS = (
    "adaptive",
    "adaptive_min_items",
    "adaptive_max_items",
    "adaptive_target_se",
    "adaptive_exposure",
)


def section_set_adaptive(section: Section, **settings) -> Section:
    """Make the section adaptive (or fixed again) with its stopping and exposure settings."""
    from assess.attempts.adaptive import ADAPTIVE_KINDS, adaptive_pool

    for name in ADAPTIVE_FIELDS:
        setattr(section, name, settings[name])
    if section.adaptive_min_items > section.adaptive_max_items:
        raise RecruitingError("Adaptive section: the minimum is more than the maximum.")
    try:
        section.adaptive_rule()
    except ValueError as exc:
        raise RecruitingError(f"Adaptive section: {exc}.") from None
    if section.adaptive:
        if section.draw_kind and section.draw_kind not in ADAPTIVE_KINDS:
            raise RecruitingError(
                "An adaptive section draws only choice and numeric questions (scored at once)."
            )
        pool = len(adaptive_pool(section))
        if pool < section.adaptive_min_items:
            raise RecruitingError(
                f"The adaptive pool has {pool} choice or numeric questions; it needs at least "
                f"the minimum of {section.adaptive_min_items}. Widen the draw filters."
            )
    section.save(update_fields=list(ADAPTIVE_FIELDS))
    return section


def assessment_check_sendable(assessment: Assessment) -> None:
    """Refuse to invite anyone to an assessment that cannot be built as it stands."""
    if assessment.archived_at is not None:
        raise RecruitingError("This assessment is archived; restore it to invite candidates.")
    problems = assessment_summary(assessment).problems
    if problems:
        raise RecruitingError("This assessment cannot be sent yet. " + " ".join(problems))


def section_delete(section: Section) -> None:
    if section.assessment.sections.count() <= 1:
        raise RecruitingError("An assessment keeps at least one section.")
    section.delete()


# --- Invitations ----------------------------------------------------------------------------


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


def invitation_resend(invitation: Invitation, *, base_url: str) -> str:
    """Send a new link: only the token's hash is stored, so the old link is replaced by a
    new one (and stops working). Also re-opens an expired or revoked invitation."""
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
    invitation_send(invitation, token, base_url)
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
