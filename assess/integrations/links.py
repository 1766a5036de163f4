"""The tests an ATS sent, whichever ATS: the invitation made through the hiring team's
own invitation code, at most once per ATS request (a unique constraint, so two identical
requests at the same moment still make one), found again by our id, cancelled, and read
back as a result in plain words."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse

from assess.hiring.invitations import invitation_invite, invitation_revoke, invitation_send
from assess.hiring.services import RecruitingError
from assess.models import Assessment, Attempt
from assess.review.level_words import level_report
from assess.scoring import attempt_results

from .inbound import RequestRefused
from .models import AtsConnection, AtsLink

# The ids we hand out (a prefix and URL-safe base64): anything else is not one of ours.
LINK_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")

STATE_SENT = "sent"
STATE_STARTED = "started"
STATE_GRADING = "grading"
STATE_COMPLETE = "complete"
STATE_CANCELLED = "cancelled"


def sendable_assessments(organization_id: int):
    """What an ATS may send for this organization: its assessments that are not archived."""
    return Assessment.objects.filter(
        organization_id=organization_id, archived_at__isnull=True
    ).order_by("title", "pk")


def ats_assessment(connection: AtsConnection, test_id: str) -> Assessment:
    """The connection's organization's assessment with this id, if it can be sent."""
    assessment = Assessment.objects.filter(
        organization_id=connection.organization_id,
        pk=int(test_id) if test_id.isdigit() and len(test_id) < 19 else -1,
        archived_at__isnull=True,
    ).first()
    if assessment is None:
        raise RequestRefused(404, "No such test.")
    return assessment


def link_invite(
    connection: AtsConnection,
    assessment: Assessment,
    *,
    name: str,
    email: str,
    external_key: str,
    callback_url: str,
    base_url: str,
    id_prefix: str,
) -> tuple[AtsLink, bool]:
    """The invitation for this ATS request, emailed to the candidate; the same request
    again returns the first one: (link, created)."""
    existing = AtsLink.objects.filter(connection=connection, external_key=external_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            invitation, token = invitation_invite(
                assessment, name=name, email=email, user=None, base_url=base_url, send_email=False
            )
            link = AtsLink.objects.create(
                connection=connection,
                invitation=invitation,
                external_key=external_key,
                partner_interview_id=id_prefix + secrets.token_urlsafe(18),
                callback_url=callback_url,
                base_url=base_url[:200],
            )
            # Queued for after the commit, so a request that lost the race sends nothing.
            invitation_send(invitation, token, base_url)
    except RecruitingError as exc:
        raise RequestRefused(422, str(exc)) from None
    except IntegrityError:
        # The same request at the same moment: the other one made it first.
        return AtsLink.objects.get(connection=connection, external_key=external_key), False
    return link, True


def link_for(connection: AtsConnection, link_id) -> AtsLink:
    if not isinstance(link_id, str) or not LINK_ID.fullmatch(link_id):
        raise RequestRefused(400, "The id is missing or not one we gave.")
    link = (
        AtsLink.objects.select_related("invitation__assessment")
        .filter(connection=connection, partner_interview_id=link_id)
        .first()
    )
    if link is None:
        # Another organization's id is answered exactly as an unknown one.
        raise RequestRefused(404, "No test with this id.")
    return link


def link_cancel(link: AtsLink) -> None:
    """The ATS cancelled: the candidate's link stops working. Once they have started, the
    attempt stands (as when a recruiter revokes)."""
    if link.invitation.revoked_at is not None:
        return
    try:
        invitation_revoke(link.invitation)
    except RecruitingError as exc:
        raise RequestRefused(409, str(exc)) from None


@dataclass(frozen=True)
class LinkResult:
    state: str
    assessment_title: str
    attempt: Attempt | None = None
    score_percent: float | None = None
    passed: bool | None = None
    pass_mark: int | None = None
    level: str = ""
    level_certainty: str = ""
    report_path: str = ""


def link_result(link: AtsLink) -> LinkResult:
    """Where the candidate stands and, once graded, the result a hiring team reads."""
    invitation = link.invitation
    assessment = invitation.assessment
    attempt = Attempt.objects.filter(invitation=invitation).select_related("organization").first()
    if attempt is None or attempt.graded_at is None:
        if invitation.revoked_at is not None and attempt is None:
            state = STATE_CANCELLED
        elif attempt is None:
            state = STATE_SENT
        else:
            state = STATE_STARTED if attempt.submitted_at is None else STATE_GRADING
        return LinkResult(state, assessment.title, attempt)
    level = level_report(attempt_results(attempt))
    return LinkResult(
        STATE_COMPLETE,
        assessment.title,
        attempt,
        score_percent=round(attempt.score_percent or 0.0, 1),
        passed=bool(attempt.passed),
        pass_mark=assessment.pass_mark,
        level=level.level or "Not estimated",
        level_certainty=level.certainty,
        report_path=reverse(
            "org:report", kwargs={"org_slug": attempt.organization.slug, "attempt_id": attempt.pk}
        ),
    )
