"""Results going back to the ATS: when an attempt it asked for is graded (and again when
a reviewer's change grades it anew), one `AtsPush` row, sent by a Celery task through the
outbound call code (`assess.outbound.http_send`, `outbound_target`: the same
SSRF rules, the same backoff). Greenhouse's call is "PATCH Completed Test" to the `url` it
gave, with the organization's key (it then asks `test_status`); Ashby's is
`assessment.update` with the result, with Ashby's own API key; Lever's is a note on the
opportunity and the report's PDF among its files (two rows), with our OAuth token.

A 429's Retry-After is honoured; 5xx, timeouts and 408/409/425/429 are retried; after
WEBHOOKS_MAX_TRIES, or another 4xx, the row is `failed`: the dead letter, which the admin
can send again from the settings page.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from assess.api.webhooks import RETRY_STATUSES, DeliveryRetry, backoff_seconds
from assess.models import Attempt
from assess.outbound import HttpAnswer, OutboundUrlError, http_send, outbound_target

from .ashby import update_body
from .connections import OUTGOING, CannotSend, exchange_logged
from .credentials import credential_unseal
from .lever import PDF_SUFFIX, file_send, note_send
from .models import Ats, AtsExchange, AtsLink, AtsPush, PushStatus

logger = logging.getLogger(__name__)
ENDPOINT = {
    Ats.GREENHOUSE: "patch_completed_test",
    Ats.ASHBY: "assessment.update",
    Ats.LEVER: "POST note",
}
ENDPOINT_PDF = "POST file"
# The ATSes told at one API address of theirs (Greenhouse: at the URL it gave per test),
# and told of progress too (Greenhouse polls, and its PATCH means complete).
TOLD_BY_API = (Ats.ASHBY, Ats.LEVER)


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode("ascii")


def _request_for(link: AtsLink, connection) -> tuple[str, str, bytes, dict]:
    """(method, URL, body, headers) of the call that tells the ATS about this link now."""
    headers = {"User-Agent": "NormAssess-Integrations/1"}
    if connection.ats == Ats.ASHBY:
        key = credential_unseal(connection.outgoing_key_sealed or "")
        if not key:
            raise CannotSend("Ashby's API key is not set or cannot be read.")
        url = settings.ASHBY_API_URL.rstrip("/") + "/assessment.update"
        body = json.dumps(update_body(link, timestamp_ms=int(time.time() * 1000))).encode()
        headers |= {"Content-Type": "application/json", "Accept": "application/json"}
        return "POST", url, body, headers | {"Authorization": _basic(key)}
    key = credential_unseal(connection.key_sealed)
    if key is None:
        raise CannotSend("The connection's key cannot be read.")
    headers |= {"Content-Length": "0", "Authorization": _basic(key)}
    return "PATCH", link.callback_url, b"", headers


def _send(push: AtsPush, connection) -> HttpAnswer:
    link = push.link
    if not connection.active:
        raise CannotSend("The connection is off.")
    if connection.ats == Ats.LEVER:
        # Lever's token is refreshed (and a 401 retried once) inside `note_send`; after a
        # try that got no answer, Lever's notes are read first (it takes no idempotency key).
        # A 5xx too: a note Lever stored before its proxy or a crash answered with an error
        # must not be posted twice.
        may_have_arrived = push.tries > 1 and (push.last_status is None or push.last_status >= 500)
        send = file_send if push.idempotency_key.endswith(PDF_SUFFIX) else note_send
        return send(link, ref=push.idempotency_key, check_first=may_have_arrived)
    method, url, body, headers = _request_for(link, connection)
    try:
        address = outbound_target(url)
    except OutboundUrlError as exc:
        raise CannotSend(f"Refused: {exc}") from None
    return http_send(method, url, body, headers, address=address)


def on_attempt_graded(sender, *, attempt: Attempt, **kwargs) -> None:
    """Receiver of `assess.attempts.signals.attempt_graded` (connected in `apps.ready`)."""
    push_for_attempt(attempt)


def on_attempt_started(sender, *, attempt: Attempt, **kwargs) -> None:
    """Receiver of `assess.attempts.signals.attempt_started` (connected in `apps.ready`)."""
    push_for_attempt(attempt, started=True)


def push_for_attempt(attempt: Attempt, *, started: bool = False) -> int | None:
    """Queue what the ATS that asked for this attempt should hear: its result once graded,
    one row per grading (the signal sent twice for the same grading makes one); with
    `started`, the progress (Ashby only: Greenhouse polls, and its PATCH means complete).
    None when there is nothing to send."""
    links = AtsLink.objects.select_related("connection").filter(
        invitation_id=attempt.invitation_id, connection__active=True
    )
    if started:
        link = links.filter(connection__ats__in=TOLD_BY_API).first()
        key = f"{link.pk}:started" if link else ""
    else:
        # Greenhouse is told at the URL it gave; Ashby at its one API address.
        link = links.filter(~Q(callback_url="") | Q(connection__ats__in=TOLD_BY_API)).first()
        graded = attempt.graded_at
        key = f"{link.pk}:{graded.timestamp():.6f}" if link and graded else ""
    if not key:
        return None
    keys = [key]
    if link.connection.ats == Ats.LEVER and not started:
        keys.append(key + PDF_SUFFIX)  # Lever takes files: the report as a PDF too
    made = []
    for each in keys:
        try:
            with transaction.atomic():
                push, created = AtsPush.objects.get_or_create(link=link, idempotency_key=each)
        except IntegrityError:
            continue
        if created:
            made.append(push.pk)
    if made:
        transaction.on_commit(lambda: pushes_enqueue(made))
    return AtsPush.objects.filter(idempotency_key=key).values_list("pk", flat=True).first()


def pushes_enqueue(ids: list[int]) -> None:
    """Hand pushes to Celery; a broker outage leaves them pending for `pushes_requeue_stuck`."""
    for pk in ids:
        try:
            push_to_ats.apply_async(args=[pk], queue=settings.WEBHOOKS_QUEUE)
        except Exception:
            logger.exception("could not queue ATS push %s", pk)


def _wait(tries: int, retry_after: int | None) -> int:
    wait = backoff_seconds(tries)
    if retry_after is not None:
        # The receiver's own word, within our ceiling (a hostile value cannot park the row).
        wait = max(wait, min(retry_after, settings.WEBHOOKS_RETRY_BACKOFF_MAX_SECONDS))
    return wait


def push_send(push_id: int, *, now: datetime | None = None) -> AtsPush | None:
    """Try one push once; raises `DeliveryRetry` when it should be tried again."""
    with transaction.atomic():
        push = (
            AtsPush.objects.select_for_update()
            .select_related("link__connection")
            .filter(pk=push_id)
            .first()
        )
        if push is None or push.status != PushStatus.PENDING:
            return push
        push.tries += 1
        push.next_try_at = None
        push.save(update_fields=["tries", "next_try_at"])
    link = push.link
    connection = link.connection
    retry, retry_after = False, None
    endpoint = ENDPOINT[connection.ats]
    if push.idempotency_key.endswith(PDF_SUFFIX):
        endpoint = ENDPOINT_PDF
    with exchange_logged(connection, OUTGOING, endpoint) as exchange:
        exchange.link = link
        try:
            status, error, retry_after, _ = _send(push, connection)
        except CannotSend as exc:
            status, error = None, str(exc)
        else:
            retry = status is None or status >= 500 or status in RETRY_STATUSES
        exchange.status = status
        # The receiver's words may echo what we sent; the log keeps the status only.
        exchange.note = "" if status is not None and status < 300 else (error or "")[:60]
    done = now or timezone.now()
    fields = {"last_status": status, "last_error": (error or "")[:200]}
    if status is not None and 200 <= status < 300:
        fields.update(status=PushStatus.DELIVERED, delivered_at=done, last_error="")
    elif retry and push.tries < settings.WEBHOOKS_MAX_TRIES:
        wait = _wait(push.tries, retry_after)
        fields.update(next_try_at=done + timedelta(seconds=wait))
        AtsPush.objects.filter(pk=push.pk).update(**fields)
        raise DeliveryRetry(error or f"HTTP {status}", wait)
    else:
        fields.update(status=PushStatus.FAILED)
    AtsPush.objects.filter(pk=push.pk).update(**fields)
    push.refresh_from_db()
    return push


def ashby_key_check(connection) -> str:
    """Ask Ashby whether it accepts the stored API key (`apiKey.info`, logged like every
    call): the admin's "Test the connection". Raises `CannotSend` with the reason."""
    key = credential_unseal(connection.outgoing_key_sealed or "")
    if not key:
        raise CannotSend("Ashby's API key is missing or cannot be read: results cannot be sent.")
    url = settings.ASHBY_API_URL.rstrip("/") + "/apiKey.info"
    with exchange_logged(connection, OUTGOING, "apiKey.info") as exchange:
        try:
            address = outbound_target(url)
        except OutboundUrlError as exc:
            raise CannotSend(f"Ashby's address is refused: {exc}") from None
        headers = {"Authorization": _basic(key), "Content-Type": "application/json"}
        status = http_send("POST", url, b"{}", headers, address=address).status
        exchange.status = status
    # 403: the key is Ashby's but may not read key details (apiKeysRead), which is enough.
    if status in (200, 403):
        return "Ashby accepts the API key."
    if status in (401,):
        raise CannotSend("Ashby refuses the API key: paste a new one.")
    raise CannotSend(f"Ashby did not answer as expected ({status or 'no answer'}); try later.")


def push_retry(push: AtsPush) -> None:
    """The admin sends a dead letter again: a fresh set of tries."""
    updated = AtsPush.objects.filter(pk=push.pk, status=PushStatus.FAILED).update(
        status=PushStatus.PENDING, tries=0, next_try_at=None
    )
    if updated:
        transaction.on_commit(lambda: pushes_enqueue([push.pk]))


def pushes_requeue_stuck(*, now: datetime | None = None, grace=timedelta(minutes=10)) -> int:
    """Pending pushes whose task was lost (broker down, worker died) are queued again."""
    cutoff = (now or timezone.now()) - grace
    stuck = AtsPush.objects.filter(status=PushStatus.PENDING, created_at__lt=cutoff).exclude(
        next_try_at__gte=cutoff
    )
    ids = list(stuck.values_list("pk", flat=True))
    pushes_enqueue(ids)
    return len(ids)


@shared_task(
    bind=True,
    name="assess.integrations.push_to_ats",
    acks_late=True,
    max_retries=None,
    ignore_result=True,
)
def push_to_ats(self, push_id: int) -> None:
    """Send one push; retried with the wait `push_send` asks for (the count of tries lives
    in the row, so a redelivered message does not reset it)."""
    try:
        push_send(push_id)
    except DeliveryRetry as exc:
        raise self.retry(exc=exc, countdown=exc.countdown) from None


@shared_task(name="assess.integrations.requeue_stuck_pushes", ignore_result=True)
def requeue_stuck_pushes() -> int:
    return pushes_requeue_stuck()


def exchanges_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the exchange log's rows older than INTEGRATIONS_EXCHANGE_RETENTION_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.INTEGRATIONS_EXCHANGE_RETENTION_DAYS)
    deleted, _ = AtsExchange.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task(name="assess.integrations.purge_exchanges", ignore_result=True)
def purge_exchanges() -> int:
    return exchanges_purge_expired()
