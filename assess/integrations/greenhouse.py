"""Greenhouse's Assessment Partner API, the partner's side (developers.greenhouse.io/
assessment.html; grnhse/greenhouse-api-docs, source/includes/assessment/): `list_tests`,
`send_test`, `test_status`, `response_error`, and the "PATCH Completed Test" call to the
`url` Greenhouse gave in `send_test` (made in `pushes.py`).

The bodies here are parsed strictly: a wrong type, an empty or over-long value, NUL or
another control character is a `GreenhouseError` with a status and plain words, which the
views answer in one shape. Greenhouse documents no cancel call, so none is hosted.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlsplit

from django.db import IntegrityError, transaction
from django.urls import reverse

from assess.api.webhook_addresses import WebhookUrlError, webhook_url_check
from assess.hiring.invitations import invitation_invite, invitation_send
from assess.hiring.services import RecruitingError
from assess.models import Assessment, Attempt
from assess.review.level_words import level_report
from assess.scoring import attempt_results

from .models import AtsConnection, AtsLink

MAX_TEXT = 500
# The ids we hand out ("gh_" and URL-safe base64): anything else is not one of ours.
INTERVIEW_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
# partner_status values; Greenhouse keeps polling until "complete".
STATUS_SENT = "sent"
STATUS_STARTED = "in_progress"
STATUS_GRADING = "grading"
STATUS_COMPLETE = "complete"
STATUS_CANCELLED = "cancelled"


class GreenhouseError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _text(body: dict, name: str, *, required: bool = True, max_chars: int = MAX_TEXT) -> str:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise GreenhouseError(400, f"{name} is required.")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise GreenhouseError(400, f"{name} must be a string.")
    value = str(value).strip()
    if not value and required:
        raise GreenhouseError(400, f"{name} is required.")
    if len(value) > max_chars:
        raise GreenhouseError(400, f"{name} is longer than {max_chars} characters.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise GreenhouseError(400, f"{name} contains control characters.")
    return value


def tests_list(connection: AtsConnection) -> list[dict]:
    """The organization's assessments that can be sent (not archived), as Greenhouse's
    test objects."""
    assessments = Assessment.objects.filter(
        organization_id=connection.organization_id, archived_at__isnull=True
    ).order_by("title", "pk")
    return [{"partner_test_id": str(a.pk), "partner_test_name": a.title} for a in assessments]


def _external_key(test_id: str, profile_url: str, callback_url: str) -> str:
    """Greenhouse's ids for this test sent to this candidate: the test and the application
    (from the profile URL's `application_id`), else the test and the callback URL."""
    application = parse_qs(urlsplit(profile_url).query).get("application_id", [""])[0]
    if application.isdigit():
        return f"test:{test_id}:application:{application}"
    return f"test:{test_id}:url:{callback_url or profile_url}"[:200]


def test_send(connection: AtsConnection, body, *, base_url: str) -> tuple[AtsLink, bool]:
    """Greenhouse's `send_test`: the invitation, emailed to the candidate. The same request
    again (Greenhouse's same test and application) returns the first one: (link, created)."""
    if not isinstance(body, dict):
        raise GreenhouseError(400, "The body must be a JSON object.")
    test_id = _text(body, "partner_test_id", max_chars=20)
    candidate = body.get("candidate")
    if not isinstance(candidate, dict):
        raise GreenhouseError(400, "candidate must be an object.")
    first = _text(candidate, "first_name", max_chars=100)
    last = _text(candidate, "last_name", required=False, max_chars=100)
    email = _text(candidate, "email", max_chars=254)
    profile_url = _text(candidate, "greenhouse_profile_url", required=False)
    callback_url = _text(body, "url", required=False)
    if callback_url:
        try:
            # The address is checked again, resolved, at each call (pushes.py).
            webhook_url_check(callback_url, resolve=False)
        except WebhookUrlError as exc:
            raise GreenhouseError(400, f"url: {exc}") from None
    assessment = Assessment.objects.filter(
        organization_id=connection.organization_id,
        pk=int(test_id) if test_id.isdigit() else -1,
        archived_at__isnull=True,
    ).first()
    if assessment is None:
        raise GreenhouseError(404, "No test with this partner_test_id.")
    key = _external_key(test_id, profile_url, callback_url)
    existing = AtsLink.objects.filter(connection=connection, external_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            invitation, token = invitation_invite(
                assessment,
                name=f"{first} {last}".strip(),
                email=email,
                user=None,
                base_url=base_url,
                send_email=False,
            )
            link = AtsLink.objects.create(
                connection=connection,
                invitation=invitation,
                external_key=key,
                partner_interview_id="gh_" + secrets.token_urlsafe(18),
                callback_url=callback_url,
            )
            # Queued for after the commit, so a request that lost the race sends nothing.
            invitation_send(invitation, token, base_url)
    except RecruitingError as exc:
        raise GreenhouseError(422, str(exc)) from None
    except IntegrityError:
        # The same request at the same moment: the other one made it first.
        return AtsLink.objects.get(connection=connection, external_key=key), False
    return link, True


def link_for(connection: AtsConnection, partner_interview_id) -> AtsLink:
    if not isinstance(partner_interview_id, str) or not INTERVIEW_ID.fullmatch(
        partner_interview_id
    ):
        raise GreenhouseError(400, "partner_interview_id is required, as send_test gave it.")
    link = (
        AtsLink.objects.select_related("invitation__assessment")
        .filter(connection=connection, partner_interview_id=partner_interview_id)
        .first()
    )
    if link is None:
        # Another organization's id is answered exactly as an unknown one.
        raise GreenhouseError(404, "No test with this partner_interview_id.")
    return link


def report_path(attempt: Attempt) -> str:
    return reverse(
        "org:report", kwargs={"org_slug": attempt.organization.slug, "attempt_id": attempt.pk}
    )


def test_status(link: AtsLink, *, base_url: str) -> dict:
    """Greenhouse's `test_status` body: the state in its words and, once graded, the score,
    the pass mark, the level in plain words and the report's address for the team (it asks
    them to sign in)."""
    invitation = link.invitation
    attempt = Attempt.objects.filter(invitation=invitation).select_related("organization").first()
    if attempt is None or attempt.graded_at is None:
        if invitation.revoked_at is not None:
            state = STATUS_CANCELLED
        elif attempt is None:
            state = STATUS_SENT
        else:
            state = STATUS_STARTED if attempt.submitted_at is None else STATUS_GRADING
        return {
            "partner_status": state,
            "partner_profile_url": None,
            "partner_score": None,
            "metadata": {"Assessment": invitation.assessment.title},
        }
    level = level_report(attempt_results(attempt))
    return {
        "partner_status": STATUS_COMPLETE,
        "partner_profile_url": base_url.rstrip("/") + report_path(attempt),
        "partner_score": round(attempt.score_percent or 0.0, 1),
        "metadata": {
            "Assessment": invitation.assessment.title,
            "Pass mark": f"{invitation.assessment.pass_mark}%",
            "Result": "Passed" if attempt.passed else "Not passed",
            "Level": level.level or "Not estimated",
            "Level certainty": level.certainty,
            "Graded at": attempt.graded_at.isoformat(timespec="seconds"),
        },
    }
