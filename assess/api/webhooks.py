"""Outgoing webhooks: when one of an organization's attempts is fully graded, a signed JSON
POST goes to every active endpoint, from a Celery task (defined here, beside the code that
queues it) that retries with exponential backoff. Every delivery is a `WebhookDelivery` row
(the log). Which URLs may be registered: `webhook_addresses.py`; the signature:
`webhook_signing.py`.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Attempt
from ..outbound import (
    OutboundUrlError,
    http_send,
    outbound_target,
)
from ..privacy.models import ErasedDelivery
from .models import (
    EVENT_ATTEMPT_GRADED,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    event_id_for,
)
from .webhook_signing import SIGNATURE_HEADER, webhook_signature

logger = logging.getLogger(__name__)

# Sent when a candidate's data is erased (assess.privacy): ids only, so the receiver can
# erase its own copy; the payload names no one.
EVENT_CANDIDATE_ERASED = "candidate.erased"
# Receivers answering with these are asked again later; any other 4xx is final.
RETRY_STATUSES = {408, 409, 425, 429}


class DeliveryRetry(Exception):
    """The delivery failed in a way worth retrying; `countdown` is the wait in seconds."""

    def __init__(self, message: str, countdown: int):
        super().__init__(message)
        self.countdown = countdown


# --- Emitting -------------------------------------------------------------------------------


def on_attempt_graded(sender, *, attempt: Attempt, **kwargs) -> None:
    """Receiver of `assess.attempts.signals.attempt_graded` (connected in `apps.ready`)."""
    webhooks_emit_attempt_graded(attempt)


def webhooks_emit_attempt_graded(attempt: Attempt) -> list[int]:
    """Queue `attempt.graded` for every active endpoint of the attempt's organization, once
    the grade commits (`on_attempt_graded`). Returns the new deliveries' ids."""
    if not WebhookEndpoint.objects.filter(
        organization_id=attempt.organization_id, active=True
    ).exists():
        return []
    from .serializers import AttemptDetailOut

    attempt = Attempt.objects.select_related("assessment", "invitation").get(pk=attempt.pk)
    return webhooks_emit(
        attempt.organization_id,
        EVENT_ATTEMPT_GRADED,
        attempt.pk,
        {"attempt": AttemptDetailOut(attempt).data},
        created=attempt.graded_at,
    )


def webhooks_emit(
    organization_id: int,
    event_type: str,
    subject_id: int,
    data: dict,
    *,
    created: datetime | None = None,
) -> list[int]:
    """Queue one event for every active endpoint of the organization, once per endpoint
    however often it is emitted; the tasks are sent when the caller's transaction commits.
    Returns the new deliveries' ids."""
    endpoints = list(WebhookEndpoint.objects.filter(organization_id=organization_id, active=True))
    if not endpoints:
        return []
    event_id = event_id_for(event_type, subject_id)
    payload = {
        "id": event_id,
        "type": event_type,
        "created": (created or timezone.now()).isoformat(),
        "data": data,
    }
    payload = json.loads(json.dumps(payload))  # plain JSON types, as it will be sent
    created_ids: list[int] = []
    for endpoint in endpoints:
        try:
            with transaction.atomic():
                delivery, is_new = WebhookDelivery.objects.get_or_create(
                    endpoint=endpoint,
                    event_id=event_id,
                    defaults={"event_type": event_type, "payload": payload},
                )
        except IntegrityError:  # a concurrent emit made it first
            continue
        if is_new:
            created_ids.append(delivery.pk)
    if created_ids:
        transaction.on_commit(lambda: deliveries_enqueue(created_ids))
    return created_ids


def on_candidate_erased(
    sender, *, organization_id, invitation_id, attempt_id, erased_at, replaying, **kwargs
) -> None:
    """Receiver of `assess.privacy.signals.candidate_erased` (connected in `apps.ready`), in
    the erasing transaction: the stored payloads about the attempt go (their counts stay for
    the metrics, without content), and connected systems hear `candidate.erased` (ids only),
    except when a restore replays the erasure."""
    if attempt_id is not None:
        about = WebhookDelivery.objects.about_attempt(attempt_id)
        ErasedDelivery.objects.bulk_create(
            ErasedDelivery(**row) for row in about.values("status", "tries")
        )
        about.delete()
    if not replaying:
        webhooks_emit(
            organization_id,
            EVENT_CANDIDATE_ERASED,
            invitation_id,
            {"invitation": {"id": invitation_id}, "attempt": {"id": attempt_id}},
            created=erased_at,
        )


def deliveries_enqueue(delivery_ids: list[int]) -> None:
    """Hand deliveries to Celery; a broker outage leaves them pending for the sweep."""
    for pk in delivery_ids:
        try:
            deliver_webhook.apply_async(args=[pk], queue=settings.WEBHOOKS_QUEUE)
        except Exception:
            logger.exception("could not queue webhook delivery %s; the sweep will retry it", pk)


# --- Sending --------------------------------------------------------------------------------


def _post(
    url: str, body: bytes, headers: dict[str, str], *, address: str | None = None
) -> tuple[int | None, str]:
    """(HTTP status, error excerpt); status None when no answer came."""
    answer = http_send("POST", url, body, headers, address=address)
    return answer.status, answer.error


def backoff_seconds(tries: int) -> int:
    """Before try number tries+1: backoff x 2^(tries-1), capped."""
    base = settings.WEBHOOKS_RETRY_BACKOFF_SECONDS
    return int(min(base * 2 ** max(tries - 1, 0), settings.WEBHOOKS_RETRY_BACKOFF_MAX_SECONDS))


def delivery_send(delivery_id: int, *, now: datetime | None = None) -> WebhookDelivery | None:
    """Try one delivery once. A delivered or failed row is left alone (re-running after
    success sends nothing); a row deleted meanwhile (its candidate was erased) is None.
    Raises `DeliveryRetry` when it should be tried again; after WEBHOOKS_MAX_TRIES tries,
    or a final 4xx, the row is `failed`."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return delivery
        delivery.tries += 1
        delivery.last_tried_at = now or timezone.now()
        delivery.next_try_at = None
        delivery.save(update_fields=["tries", "last_tried_at", "next_try_at"])
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
    if not endpoint.active:
        status, error = None, "The endpoint was disabled."
        retry = False
    else:
        try:
            address = outbound_target(endpoint.url)
        except OutboundUrlError as exc:
            status, error, retry = None, f"Refused: {exc}", False
        else:
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "NormAssess-Webhooks/1",
                SIGNATURE_HEADER: webhook_signature(endpoint.secret, body, int(time.time())),
                "X-NormAssess-Event": delivery.event_type,
                "X-NormAssess-Delivery": delivery.event_id,
            }
            status, error = _post(endpoint.url, body, headers, address=address)
            retry = status is None or status >= 500 or status in RETRY_STATUSES
    done = now or timezone.now()
    fields = {"response_status": status, "error": error}
    if status is not None and 200 <= status < 300:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=done, error="")
    elif retry and delivery.tries < settings.WEBHOOKS_MAX_TRIES:
        wait = backoff_seconds(delivery.tries)
        fields.update(next_try_at=done + timedelta(seconds=wait))
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
        raise DeliveryRetry(error or f"HTTP {status}", wait)
    else:
        fields.update(status=DeliveryStatus.FAILED)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    delivery.refresh_from_db()
    return delivery


def deliveries_requeue_stuck(
    *, now: datetime | None = None, grace: timedelta = timedelta(minutes=10)
) -> int:
    """Pending deliveries whose task was lost (broker down when queued, worker died)
    are queued again. A retry waiting in the broker has next_try_at in the future."""
    now = now or timezone.now()
    cutoff = now - grace
    stuck = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).filter(
        Q(tries=0, created_at__lt=cutoff)
        | Q(next_try_at__lt=cutoff)
        | Q(next_try_at__isnull=True, last_tried_at__lt=cutoff)  # the worker died while sending
    )
    ids = list(stuck.order_by("pk").values_list("pk", flat=True))
    deliveries_enqueue(ids)
    return len(ids)


# --- The Celery side: thin tasks over the functions above --------------------------------


@shared_task(
    bind=True,
    name="assess.api.deliver_webhook",
    acks_late=True,
    max_retries=None,
    ignore_result=True,
)
def deliver_webhook(self, delivery_id: int) -> None:
    """Send one delivery; retried with the backoff `delivery_send` asks for.

    Not `autoretry_for`: the number of tries lives in the delivery row (it survives a
    redelivered message), and the backoff is read from settings at run time."""
    try:
        delivery_send(delivery_id)
    except DeliveryRetry as exc:
        raise self.retry(exc=exc, countdown=exc.countdown) from None


@shared_task(name="assess.api.requeue_stuck_deliveries", ignore_result=True)
def requeue_stuck_deliveries() -> int:
    return deliveries_requeue_stuck()
