"""Outgoing webhooks: an organization registers a URL; when one of its attempts is fully
graded, a signed JSON POST goes to every active endpoint, from a Celery task that retries
with exponential backoff. Every delivery is a `WebhookDelivery` row (the log).

Signature (docs/api.md): header `X-NormAssess-Signature: t=<unix seconds>,v1=<hex>` where
hex = HMAC-SHA256(endpoint secret, f"{t}.{raw body}"). Receivers recompute it over the raw
body, compare in constant time and refuse a `t` older than a few minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Attempt, Organization
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-NormAssess-Signature"
EVENT_ATTEMPT_GRADED = "attempt.graded"
# Sent when a candidate's data is erased (assess.privacy): ids only, so the receiver can
# erase its own copy; the payload names no one.
EVENT_CANDIDATE_ERASED = "candidate.erased"
REPLAY_WINDOW_SECONDS = 300
ERROR_EXCERPT_CHARS = 500
# Receivers answering with these are asked again later; any other 4xx is final.
RETRY_STATUSES = {408, 409, 425, 429}
_EVENT_NAMESPACE = uuid.UUID("5b0e8a3e-7f43-4d8f-9a55-2f1f0d6c9a11")


class WebhookUrlError(ValueError):
    pass


class DeliveryRetry(Exception):
    """The delivery failed in a way worth retrying; `countdown` is the wait in seconds."""

    def __init__(self, message: str, countdown: int):
        super().__init__(message)
        self.countdown = countdown


# --- Registration ---------------------------------------------------------------------------


# IPv6 prefixes that carry an IPv4 address inside them: a receiver behind one of them is
# reached at that IPv4 address, so it must be public too (Python's `is_global` judges only
# the IPv6 form: 64:ff9b::10.0.0.1 and 2002:a00:1:: count as global).
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for: IPv4-mapped (::ffff:a.b.c.d), NAT64
    (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002::/16), Teredo (2001::/32, the client's
    address) or IPv4-compatible (::a.b.c.d); None for a plain IPv6 address."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_is_public(address: str) -> bool:
    """A global unicast address, whose embedded IPv4 address (if any) is global too."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None:
            return inner.is_global and not inner.is_multicast
    return True


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _public_address(hostname: str, port: int) -> str:
    """The address to connect to: every address the name resolves to must be public (one
    private answer is enough to refuse), and the first is the one used, so a second
    lookup (DNS rebinding) cannot send the request elsewhere."""
    try:
        infos = socket.getaddrinfo(hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise WebhookUrlError(f"The host {hostname!r} cannot be resolved.") from None
    addresses = [info[4][0] for info in infos]
    if not addresses or not all(address_is_public(a) for a in addresses):
        raise WebhookUrlError("Webhooks can only be sent to public internet addresses.")
    return addresses[0]


def _check_url_form(url: str):
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise WebhookUrlError("This is not a valid URL.") from None
    if parts.scheme not in ("http", "https"):
        raise WebhookUrlError("Only http:// and https:// URLs can receive webhooks.")
    if not parts.hostname or parts.username or parts.password:
        raise WebhookUrlError("The URL needs a host name and no user name or password.")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise WebhookUrlError("The URL contains spaces or control characters.")
    return url, parts


def webhook_url_check(url: str, *, resolve: bool = True) -> str:
    """The URL, if events may be sent to it: http(s), a host, and (unless
    WEBHOOKS_ALLOW_PRIVATE_HOSTS) only public addresses, so the API cannot be used to
    reach the platform's own network (SSRF)."""
    url, parts = _check_url_form(url)
    if settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS or not resolve:
        return url
    _public_address(parts.hostname, parts.port or _default_port(parts.scheme))
    return url


def webhook_target(url: str) -> str | None:
    """The checked address a delivery connects to (None: connect by name, allowed only
    with WEBHOOKS_ALLOW_PRIVATE_HOSTS); WebhookUrlError when the URL may not be used."""
    url, parts = _check_url_form(url)
    if settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS:
        return None
    return _public_address(parts.hostname, parts.port or _default_port(parts.scheme))


def webhook_endpoint_register(
    organization: Organization, url: str, *, description: str = ""
) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        organization=organization, url=webhook_url_check(url), description=description
    )


# --- Signing --------------------------------------------------------------------------------


def webhook_signature(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(
        secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={mac}"


def webhook_signature_verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = REPLAY_WINDOW_SECONDS,
) -> bool:
    """What a receiver does (docs/api.md): parse t and v1, refuse an old t, compare the
    HMAC of the raw body in constant time."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(fields["t"])
        given = fields["v1"]
    except (ValueError, KeyError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = webhook_signature(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)


# --- Emitting -------------------------------------------------------------------------------


def event_id_for(event_type: str, subject_id: int) -> str:
    """Stable, so emitting the same event twice finds the same delivery rows."""
    return "evt_" + uuid.uuid5(_EVENT_NAMESPACE, f"{event_type}:{subject_id}").hex


def webhooks_emit_attempt_graded(attempt: Attempt) -> list[int]:
    """Queue `attempt.graded` for every active endpoint of the attempt's organization;
    called by assess.scoring once the grade commits. Returns the new deliveries' ids."""
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


def webhook_deliveries_about_attempt(attempt_id: int):
    """The stored deliveries whose payload describes this attempt (what erasure removes)."""
    return WebhookDelivery.objects.filter(
        Q(event_id=event_id_for(EVENT_ATTEMPT_GRADED, attempt_id))
        | Q(payload__data__attempt__id=attempt_id)
    )


def deliveries_enqueue(delivery_ids: list[int]) -> None:
    """Hand deliveries to Celery; a broker outage leaves them pending for the sweep."""
    from .tasks import deliver_webhook

    for pk in delivery_ids:
        try:
            deliver_webhook.apply_async(args=[pk], queue=settings.WEBHOOKS_QUEUE)
        except Exception:
            logger.exception("could not queue webhook delivery %s; the sweep will retry it", pk)


# --- Sending --------------------------------------------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to `address` (the one the check approved) while the Host header, and for
    HTTPS the certificate check and SNI, keep using the URL's host name."""

    def __init__(self, host: str, port: int, address: str | None, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        target = (self._address or self.host, self.port)
        self.sock = socket.create_connection(target, self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443

    def connect(self):
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def _post(
    url: str, body: bytes, headers: dict[str, str], *, address: str | None = None
) -> tuple[int | None, str]:
    """(HTTP status, error excerpt); status None when no answer came. Redirects are not
    followed: one could point at an address the check never saw."""
    parts = urlsplit(url)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(
        parts.hostname,
        parts.port or _default_port(parts.scheme),
        address,
        timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
    )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        if 200 <= response.status < 300:
            return response.status, ""
        excerpt = response.read(ERROR_EXCERPT_CHARS).decode("utf-8", "replace")
        return response.status, f"HTTP {response.status}: {excerpt}"[:ERROR_EXCERPT_CHARS]
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:ERROR_EXCERPT_CHARS]
    finally:
        connection.close()


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
            address = webhook_target(endpoint.url)
        except WebhookUrlError as exc:
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
