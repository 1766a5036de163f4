"""Lever: a stage-change webhook starts the invitation, an archive (or a move out of the
stage) revokes it, and results go back as a note on the opportunity.

Sources (docs/integrations.md): Lever's developer documentation, hire.lever.co/developer/
documentation (webhooks: the body carries `token`, `triggeredAt` (ms) and `signature`, the
hex HMAC-SHA256 of `token + triggeredAt` keyed with the webhook's signature token, one
token per event; `POST /opportunities/:id/notes?perform_as=` with `value`) and
hire.lever.co/developer/oauth. A third-party AsyncAPI file (api-evangelist/lever-co)
describes a `Lever-Signature` header over the body instead; Lever's own pages do not, so
it is not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q

from assess.outbound import HttpAnswer
from assess.scoring import attempt_results

from .connections import OUTGOING, CannotSend, exchange_logged
from .credentials import credential_seal, credential_unseal
from .inbound import RequestRefused, object_field, text_field
from .lever_oauth import MAX_ANSWER_BYTES, lever_call
from .links import (
    STATE_COMPLETE,
    STATE_STARTED,
    ats_assessment,
    link_cancel,
    link_invite,
    link_result,
)
from .models import AtsConnection, AtsLink
from .textpdf import text_pdf

ID_PREFIX = "lv_"
# The push that uploads the report's PDF: its key is the result's key and this.
PDF_SUFFIX = ":pdf"
STAGE_CHANGE = "candidateStageChange"
ARCHIVE_CHANGE = "candidateArchiveChange"
EVENTS = (STAGE_CHANGE, ARCHIVE_CHANGE)
# Lever's ids are UUIDs; anything else is not one of theirs.
LEVER_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
MAX_STAGES = 50


def _lever_id(body: dict, name: str, *, required: bool = True) -> str:
    value = text_field(body, name, required=required, max_chars=64)
    if value and not LEVER_ID.fullmatch(value):
        raise RequestRefused(400, f"{name} is not a Lever id.")
    return value


# --- The admin's settings -------------------------------------------------------------------


def lever_options_save(
    connection: AtsConnection,
    *,
    stages: str,
    perform_as: str,
    stage_token: str,
    archive_token: str,
) -> None:
    """Save the stage -> assessment map (one `<stage id> <assessment id>` per line), the
    Lever user notes are posted as, and the webhooks' signature tokens (a blank token field
    keeps the saved one). Raises ValueError with what to correct."""
    mapping = {}
    for number, line in enumerate((stages or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or not LEVER_ID.fullmatch(parts[0]):
            raise ValueError(f"Line {number}: write a Lever stage id, a space, an assessment id.")
        try:
            ats_assessment(connection, parts[1])
        except RequestRefused:
            raise ValueError(f"Line {number}: no assessment {parts[1][:20]} can be sent.") from None
        mapping[parts[0]] = int(parts[1])
    if len(mapping) > MAX_STAGES:
        raise ValueError(f"At most {MAX_STAGES} stages.")
    perform_as = (perform_as or "").strip()
    if perform_as and not LEVER_ID.fullmatch(perform_as):
        raise ValueError("The Lever user id is a UUID, as Lever shows it.")
    tokens = signing_tokens(connection)
    for event, token in ((STAGE_CHANGE, stage_token), (ARCHIVE_CHANGE, archive_token)):
        token = (token or "").strip()
        if token:
            if len(token) > 200 or any(ord(c) < 33 or ord(c) == 127 for c in token):
                raise ValueError("Paste the signature token as Lever shows it: one word.")
            tokens[event] = token
    connection.options = {"stages": mapping, "perform_as": perform_as}
    connection.signing_sealed = credential_seal(json.dumps(tokens))
    connection.save(update_fields=["options", "signing_sealed"])


def signing_tokens(connection: AtsConnection) -> dict:
    raw = credential_unseal(connection.signing_sealed) if connection.signing_sealed else None
    try:
        tokens = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return tokens if isinstance(tokens, dict) else {}


# --- The webhook ----------------------------------------------------------------------------


def delivery_verified(connection: AtsConnection, body: dict) -> str:
    """The event of a delivery whose signature is Lever's and whose time is within
    LEVER_WEBHOOK_MAX_AGE_SECONDS; raises `RequestRefused` otherwise."""
    event = text_field(body, "event", max_chars=40)
    token = text_field(body, "token", max_chars=200)
    signature = text_field(body, "signature", max_chars=200)
    triggered = body.get("triggeredAt")
    if isinstance(triggered, bool) or not isinstance(triggered, int) or not 0 < triggered < 10**15:
        raise RequestRefused(400, "triggeredAt must be a time in milliseconds.")
    secret = signing_tokens(connection).get(event)
    if event not in EVENTS or not secret:
        raise RequestRefused(400, f"Send only {' and '.join(EVENTS)} with a saved token.")
    expected = hmac.new(secret.encode(), f"{token}{triggered}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.lower().encode()):
        raise RequestRefused(401, "The signature is not valid.")
    if abs(time.time() - triggered / 1000) > settings.LEVER_WEBHOOK_MAX_AGE_SECONDS:
        raise RequestRefused(401, "The delivery is too old (triggeredAt); it is refused.")
    return event


def _replay_key(connection: AtsConnection, body: dict) -> str:
    return f"integrations:lever:token:{connection.pk}:{hashlib.sha256(body['token'].encode()).hexdigest()}"


def delivery_seen(connection: AtsConnection, body: dict) -> bool:
    """Whether this delivery's token was handled already (within the age window). A cache
    outage lets it through: the invitation's own de-duplication still holds."""
    try:
        return cache.get(_replay_key(connection, body)) is not None
    except Exception:
        return False


def delivery_done(connection: AtsConnection, body: dict) -> None:
    """Remember the token once handled: a delivery that failed may be sent again by Lever."""
    try:
        cache.set(_replay_key(connection, body), 1, settings.LEVER_WEBHOOK_MAX_AGE_SECONDS + 60)
    except Exception:
        pass


def _link_key(opportunity_id: str, assessment_id: int, round_: int = 1) -> str:
    """The link's key: one per opportunity, assessment and round (a candidate moved back
    into the stage after a revoke is invited again, in a new round)."""
    key = f"opportunity:{opportunity_id}:assessment:{assessment_id}"
    return key if round_ == 1 else f"{key}:round:{round_}"


def _links_of(connection: AtsConnection, opportunity_id: str, assessment_id=None):
    """The opportunity's links: all of them, or every round of this assessment's (exact
    keys: a bare prefix would take assessment 12's for assessment 1's)."""
    links = AtsLink.objects.select_related("invitation").filter(connection=connection)
    if assessment_id is not None:
        first = _link_key(opportunity_id, assessment_id)
        return links.filter(Q(external_key=first) | Q(external_key__startswith=first + ":round:"))
    return links.filter(external_key__startswith=f"opportunity:{opportunity_id}:")


def _current_link(connection: AtsConnection, opportunity_id: str, assessment_id: int):
    """(the latest round's link or None, the round a new invitation would be)."""
    rounds = list(_links_of(connection, opportunity_id, assessment_id).order_by("-pk"))
    return (rounds[0] if rounds else None), len(rounds) + 1


def _revoke_unstarted(links) -> int:
    revoked = 0
    for link in links:
        try:
            if link.invitation.revoked_at is None:
                link_cancel(link)
                revoked += 1
        except RequestRefused:
            pass  # the candidate started: the attempt stands
    return revoked


def opportunity_contact(connection: AtsConnection, opportunity_id: str) -> tuple[str, str]:
    """(name, email) of the opportunity's candidate, read from Lever. A Lever that does
    not answer is a 503, so that Lever sends the webhook again later."""
    with exchange_logged(connection, OUTGOING, "GET opportunity") as exchange:
        try:
            answer = lever_call(
                connection,
                "GET",
                f"/opportunities/{quote(opportunity_id)}",
                read_body=MAX_ANSWER_BYTES,
            )
        except CannotSend as exc:
            exchange.note = str(exc)[:200]
            raise RequestRefused(503, "We cannot call Lever; the admin must connect it.") from None
        exchange.status = answer.status
    if answer.status == 404:
        raise RequestRefused(422, "Lever has no such opportunity.")
    if answer.status is None or not 200 <= answer.status < 300:
        raise RequestRefused(503, "Lever did not answer; send the webhook again later.")
    try:
        data = json.loads(answer.body)["data"]
        emails = [e for e in data.get("emails") or [] if isinstance(e, str) and e]
        name = data.get("name") if isinstance(data.get("name"), str) else ""
    except (ValueError, KeyError, TypeError, AttributeError):
        raise RequestRefused(503, "Lever's answer could not be read.") from None
    if not emails:
        raise RequestRefused(422, "The candidate has no email address in Lever.")
    # The name is Lever's free text: only what prints goes into our invitation.
    return "".join(ch for ch in name if ch.isprintable()).strip()[:100], emails[0].strip()


def webhook_handle(
    connection: AtsConnection, body: dict, *, base_url: str
) -> tuple[dict, AtsLink | None]:
    """A verified delivery: invite on a move into a mapped stage, revoke (unless started)
    on an archive or a move out of it. Returns (answer, link)."""
    event = delivery_verified(connection, body)
    if delivery_seen(connection, body):
        raise RequestRefused(409, "This delivery was received already.")
    data = object_field(body, "data")
    opportunity_id = _lever_id(data, "opportunityId")
    stages = (connection.options or {}).get("stages") or {}
    if event == ARCHIVE_CHANGE:
        archived = data.get("toArchived")
        if archived is not None and not isinstance(archived, dict):
            raise RequestRefused(400, "toArchived must be an object or null.")
        # Lever's `toArchived` is {archivedAt, reason} when archived, null when restored.
        revoked = (
            _revoke_unstarted(_links_of(connection, opportunity_id)) if archived is not None else 0
        )
        delivery_done(connection, body)
        return {"revoked": revoked}, None
    to_stage = _lever_id(data, "toStageId")
    from_stage = _lever_id(data, "fromStageId", required=False)
    revoked = 0
    if from_stage in stages and stages.get(from_stage) != stages.get(to_stage):
        revoked = _revoke_unstarted(_links_of(connection, opportunity_id, stages[from_stage]))
    if to_stage not in stages:
        delivery_done(connection, body)
        return {"revoked": revoked, "invited": False}, None
    try:
        assessment = ats_assessment(connection, str(stages[to_stage]))
    except RequestRefused:
        raise RequestRefused(422, "The assessment of this stage cannot be sent now.") from None
    existing, round_ = _current_link(connection, opportunity_id, assessment.pk)
    if existing is not None and existing.invitation.revoked_at is not None:
        existing = None  # moved back into the stage after a revoke: a new round
    if existing is None:
        key = _link_key(opportunity_id, assessment.pk, round_)
        name, email = opportunity_contact(connection, opportunity_id)
        existing, _ = link_invite(
            connection,
            assessment,
            name=name or email.split("@")[0],
            email=email,
            external_key=key,
            callback_url="",
            base_url=base_url,
            id_prefix=ID_PREFIX,
        )
    delivery_done(connection, body)
    return {"revoked": revoked, "invited": True}, existing


# --- Results back ---------------------------------------------------------------------------


def note_text(link: AtsLink) -> str:
    """The note a hiring team reads on the opportunity: no candidate link, only the
    report's address for the team (it asks them to sign in)."""
    result = link_result(link)
    if result.state == STATE_STARTED:
        return f"NormAssess: the candidate started “{result.assessment_title}”."
    if result.state != STATE_COMPLETE:
        return f"NormAssess: “{result.assessment_title}” is {result.state}."
    base = (settings.ASSESS_PUBLIC_URL or link.base_url).rstrip("/")
    verdict = "passed" if result.passed else "did not pass"
    graded = result.attempt.graded_at
    return (
        f"NormAssess result for “{result.assessment_title}”: {verdict}, "
        f"score {result.score_percent}% (pass mark {result.pass_mark}%). "
        f"Level: {result.level}"
        + (f" ({result.level_certainty})" if result.level_certainty else "")
        + f". Graded {graded:%Y-%m-%d %H:%M} UTC. Report for the hiring team: {base}{result.report_path}"
    )


def _posted_already(connection: AtsConnection, opportunity_id: str, kind: str, ref: str) -> bool:
    """Whether a note (or file) carrying `ref` is on the opportunity (`GET .../notes`,
    `.../files`): Lever takes no idempotency key, so a try whose answer never came is
    checked before it is sent again. A read that fails says no: a second note is better
    than a lost result."""
    with exchange_logged(connection, OUTGOING, f"GET {kind}") as exchange:
        answer = lever_call(
            connection,
            "GET",
            f"/opportunities/{quote(opportunity_id)}/{kind}?limit=100",
            read_body=MAX_ANSWER_BYTES,
        )
        exchange.status = answer.status
    try:
        items = json.loads(answer.body)["data"] if answer.status == 200 else []
        if kind == "files":
            values = [item.get("name") for item in items]
        else:
            values = [f.get("value") for item in items for f in item.get("fields") or []]
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
    return any(isinstance(v, str) and ref in v for v in values)


def _opportunity_path(link: AtsLink, kind: str) -> tuple[str, str]:
    """(the opportunity's id, the path of its notes or files `perform_as` our user)."""
    perform_as = (link.connection.options or {}).get("perform_as")
    if not perform_as:
        raise CannotSend("Choose the Lever user our notes are posted as (settings page).")
    opportunity_id = link.external_key.split(":")[1]
    query = urlencode({"perform_as": perform_as})
    return opportunity_id, f"/opportunities/{quote(opportunity_id)}/{kind}?{query}"


def note_send(link: AtsLink, *, ref: str, check_first: bool = False) -> HttpAnswer:
    """POST the note to the opportunity; `ref` (the push's key) ends the note, so a try
    that may have arrived is recognised."""
    opportunity_id, path = _opportunity_path(link, "notes")
    ref = f"(ref {ref})"
    if check_first and _posted_already(link.connection, opportunity_id, "notes", ref):
        return HttpAnswer(200, "")
    body = json.dumps({"value": f"{note_text(link)} {ref}", "secret": False}).encode()
    return lever_call(link.connection, "POST", path, body=body)


def report_pdf(link: AtsLink) -> bytes:
    """The result as a one-page PDF: what the note says, and the score of each section and
    topic."""
    result = link_result(link)
    lines = [note_text(link), ""]
    if result.attempt is not None and result.state == STATE_COMPLETE:
        results = attempt_results(result.attempt)
        for heading, tallies in (("Sections", results.sections), ("Topics", results.topics)):
            lines.append(heading + ":")
            lines += [
                f"  {t.label or 'Untitled'}: "
                + (f"{t.percent}%" if t.percent is not None else "not scored yet")
                + f" ({t.questions} question(s))"
                for t in tallies
            ]
    return text_pdf(f"NormAssess report: {result.assessment_title}", lines)


def file_send(link: AtsLink, *, ref: str, check_first: bool = False) -> HttpAnswer:
    """POST the report's PDF to the opportunity's files (multipart, field `file`); its
    name carries `ref`, so a try that may have arrived is recognised."""
    opportunity_id, path = _opportunity_path(link, "files")
    name = "normassess-report-" + re.sub(r"[^A-Za-z0-9-]", "-", ref) + ".pdf"
    if check_first and _posted_already(link.connection, opportunity_id, "files", name):
        return HttpAnswer(200, "")
    boundary = "normassess-" + secrets.token_hex(12)
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    body += report_pdf(link) + f"\r\n--{boundary}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    return lever_call(link.connection, "POST", path, body=body, content_type=content_type)


def lever_check(connection: AtsConnection) -> str:
    """The admin's "Test the connection": one authenticated read (`GET /opportunities`)."""
    with exchange_logged(connection, OUTGOING, "GET opportunities") as exchange:
        answer = lever_call(connection, "GET", "/opportunities?limit=1", read_body=MAX_ANSWER_BYTES)
        exchange.status = answer.status
    if answer.status is not None and 200 <= answer.status < 300:
        missing = [e for e in EVENTS if e not in signing_tokens(connection)]
        words = f" Paste the signature token of {', '.join(missing)}." if missing else ""
        return "Lever accepts our access." + words
    if answer.status in (401, 403):
        raise CannotSend("Lever refuses our access: connect Lever again.")
    raise CannotSend(
        f"Lever did not answer as expected ({answer.status or 'no answer'}); try later."
    )
