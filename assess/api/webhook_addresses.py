"""Registering a webhook receiver: its URL must pass `assess.outbound`'s rules (checked
again at each delivery)."""

from __future__ import annotations

from assess.outbound import outbound_url_check

from ..models import Organization
from .models import WebhookEndpoint


def webhook_endpoint_register(
    organization: Organization, url: str, *, description: str = ""
) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        organization=organization, url=outbound_url_check(url), description=description
    )
