"""The webhook signature (docs/api.md): header `X-NormAssess-Signature: t=<unix seconds>,
v1=<hex>` where hex = HMAC-SHA256(endpoint secret, f"{t}.{raw body}"). Receivers recompute
it over the raw body, compare in constant time and refuse a `t` older than a few minutes
(replays)."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-NormAssess-Signature"
REPLAY_WINDOW_SECONDS = 300


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
