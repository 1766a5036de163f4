"""Ashby's Assessments Partner API: the calls Ashby makes to us (`assessment.list`,
`assessment.start`, `assessment.cancel`) and the body of the one we make to Ashby
(`assessment.update`).

Sources (docs/integrations.md says which field comes from where): Ashby's guide
developers.ashbyhq.com/docs/creating-an-assessments-integration and its reference page
developers.ashbyhq.com/docs/assessmentupdate (the update's fields: `assessment_id`,
`timestamp` in ms, `assessment_status`, `assessment_profile_url`, `assessment_result`,
`cancelled_reason`, `metadata`, each value an {identifier, label, type, value} blob).
`assessment.start`'s body (`assessment_type_id`, `candidate` {ashby_id, first_name,
last_name, email, ashby_profile_url}, `application` {ashby_id, status}, `job`), its answer
`{success, results: {assessment_id}}`, its 409 and 422 `{message}`, and `assessment.cancel`
(`assessment_id`, the same answer) follow the OpenAPI description of Ashby's API as
republished in api-evangelist/ashby (openapi/ashby-assessment-api-openapi.yml).
"""

from __future__ import annotations

from django.conf import settings

from assess.tokens import token_digest

from .inbound import object_field, text_field
from .links import (
    STATE_CANCELLED,
    STATE_COMPLETE,
    STATE_STARTED,
    ats_assessment,
    link_invite,
    link_result,
    sendable_assessments,
)
from .models import AtsConnection, AtsLink

ID_PREFIX = "ab_"
STATUS_WORDS = {
    "sent": "Invited",
    STATE_STARTED: "Started",
    "grading": "Grading",
    STATE_COMPLETE: "Completed",
    STATE_CANCELLED: "Cancelled",
}


def assessments_list(connection: AtsConnection) -> list[dict]:
    return [
        {
            "assessment_type_id": str(a.pk),
            "name": a.title,
            "description": f"Pass mark {a.pass_mark}%.",
        }
        for a in sendable_assessments(connection.organization_id)
    ]


def assessment_start(
    connection: AtsConnection, body: dict, *, base_url: str
) -> tuple[AtsLink, bool]:
    """Ashby's `assessment.start`: the invitation, emailed to the candidate; the same
    application and assessment again is the same one."""
    type_id = text_field(body, "assessment_type_id", max_chars=20)
    candidate = object_field(body, "candidate")
    application = object_field(body, "application", required=False)
    first = text_field(candidate, "first_name", required=False, max_chars=100)
    last = text_field(candidate, "last_name", required=False, max_chars=100)
    email = text_field(candidate, "email", max_chars=254)
    application_id = text_field(application, "ashby_id", required=False, max_chars=100)
    assessment = ats_assessment(connection, type_id)
    # Without Ashby's application id, the email stands for the candidate, hashed: the key is
    # kept as long as the invitation and read by no one.
    who = (
        f"application:{application_id}"
        if application_id
        else f"email:{token_digest(email.lower())}"
    )
    return link_invite(
        connection,
        assessment,
        name=f"{first} {last}".strip() or email.split("@")[0],
        email=email,
        external_key=f"type:{type_id}:{who}"[:200],
        callback_url="",
        base_url=base_url,
        id_prefix=ID_PREFIX,
    )


def _blob(identifier: str, label: str, kind: str, value) -> dict:
    return {"identifier": identifier, "label": label, "type": kind, "value": value}


def update_body(link: AtsLink, *, timestamp_ms: int) -> dict:
    """`assessment.update` for where the candidate stands now: the status, and once graded
    the result (which tells Ashby the assessment is complete), the report's address and
    the pass mark and level in words."""
    result = link_result(link)
    body = {
        "assessment_id": link.partner_interview_id,
        "timestamp": timestamp_ms,
        "assessment_status": _blob(
            "status", "Status", "string", STATUS_WORDS.get(result.state, result.state)
        ),
    }
    if result.state != STATE_COMPLETE:
        return body
    base = (settings.ASSESS_PUBLIC_URL or link.base_url).rstrip("/")
    body["assessment_result"] = _blob("score", "Score (%)", "numeric_score", result.score_percent)
    body["assessment_profile_url"] = _blob("report", "Report", "url", base + result.report_path)
    body["metadata"] = [
        _blob("passed", "Passed", "boolean_success", result.passed),
        _blob("pass_mark", "Pass mark", "string", f"{result.pass_mark}%"),
        _blob("level", "Level", "string", result.level),
        _blob("level_certainty", "Level certainty", "string", result.level_certainty),
    ]
    return body
