"""Greenhouse's Assessment Partner API, the partner's side (developers.greenhouse.io/
assessment.html; grnhse/greenhouse-api-docs, source/includes/assessment/): what
`list_tests`, `send_test` and `test_status` mean in NormAssess. The "PATCH Completed Test"
call to the `url` Greenhouse gave is made in `pushes.py`. Greenhouse documents no cancel
call for partners, so none is hosted.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from assess.outbound import OutboundUrlError, outbound_url_check

from .inbound import RequestRefused, object_field, text_field
from .links import (
    STATE_COMPLETE,
    STATE_STARTED,
    ats_assessment,
    link_invite,
    link_result,
    sendable_assessments,
)
from .models import AtsConnection, AtsLink

ID_PREFIX = "gh_"
# partner_status: Greenhouse keeps polling until "complete"; the others are ours.
PARTNER_STATUS = {STATE_STARTED: "in_progress"}


def tests_list(connection: AtsConnection) -> list[dict]:
    """The organization's assessments that can be sent, as Greenhouse's test objects."""
    return [
        {"partner_test_id": str(a.pk), "partner_test_name": a.title}
        for a in sendable_assessments(connection.organization_id)
    ]


def _external_key(test_id: str, profile_url: str, callback_url: str) -> str:
    """Greenhouse's ids for this test sent to this candidate: the test and the application
    (from the profile URL's `application_id`), else the test and the callback URL."""
    application = parse_qs(urlsplit(profile_url).query).get("application_id", [""])[0]
    if application.isdigit():
        return f"test:{test_id}:application:{application}"
    return f"test:{test_id}:url:{callback_url or profile_url}"[:200]


def callback_url_check(url: str) -> str:
    if url:
        try:
            # The address is checked again, resolved, at each call (pushes.py).
            outbound_url_check(url, resolve=False)
        except OutboundUrlError as exc:
            raise RequestRefused(400, f"url: {exc}") from None
    return url


def test_send(connection: AtsConnection, body: dict, *, base_url: str) -> tuple[AtsLink, bool]:
    """Greenhouse's `send_test`: the invitation, emailed to the candidate."""
    test_id = text_field(body, "partner_test_id", max_chars=20)
    candidate = object_field(body, "candidate")
    first = text_field(candidate, "first_name", max_chars=100)
    last = text_field(candidate, "last_name", required=False, max_chars=100)
    email = text_field(candidate, "email", max_chars=254)
    profile_url = text_field(candidate, "greenhouse_profile_url", required=False)
    callback_url = callback_url_check(text_field(body, "url", required=False))
    assessment = ats_assessment(connection, test_id)
    return link_invite(
        connection,
        assessment,
        name=f"{first} {last}".strip(),
        email=email,
        external_key=_external_key(test_id, profile_url, callback_url),
        callback_url=callback_url,
        base_url=base_url,
        id_prefix=ID_PREFIX,
    )


def test_status(link: AtsLink, *, base_url: str) -> dict:
    """Greenhouse's `test_status` body: the state in its words and, once graded, the score,
    the pass mark, the level in plain words and the report's address for the team."""
    result = link_result(link)
    if result.state != STATE_COMPLETE:
        return {
            "partner_status": PARTNER_STATUS.get(result.state, result.state),
            "partner_profile_url": None,
            "partner_score": None,
            "metadata": {"Assessment": result.assessment_title},
        }
    return {
        "partner_status": STATE_COMPLETE,
        "partner_profile_url": base_url.rstrip("/") + result.report_path,
        "partner_score": result.score_percent,
        # Flat, of JavaScript primitives, as Greenhouse asks.
        "metadata": {
            "Assessment": result.assessment_title,
            "Pass mark": f"{result.pass_mark}%",
            "Result": "Passed" if result.passed else "Not passed",
            "Level": result.level,
            "Level certainty": result.level_certainty,
            "Graded at": result.attempt.graded_at.isoformat(timespec="seconds"),
        },
    }
