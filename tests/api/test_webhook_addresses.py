"""The webhook address check: IPv6 forms that embed a private IPv4 address are refused, and a
delivery connects to the address that was checked (no DNS rebinding between check and send)."""

from __future__ import annotations

import socket

import pytest

from assess.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from assess.api.webhooks import DeliveryRetry, delivery_send
from assess.outbound import OutboundUrlError, address_is_public, outbound_url_check


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
        "64:ff9b:1::c0a8:101",  # local-use NAT64 of 192.168.1.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.1.2.3",
        "::10.0.0.1",  # IPv4-compatible
        "fd00::1",
        "fe80::1%eth0",
    ],
)
def test_ipv6_forms_of_private_addresses_are_not_public(address):
    assert not address_is_public(address)


@pytest.mark.parametrize(
    "address", ["64:ff9b::808:808", "2002:808:808::1", "2606:4700:4700::1111", "93.184.215.14"]
)
def test_public_addresses_stay_public(address):
    assert address_is_public(address)


def _resolver(*answers: str):
    """getaddrinfo answering each lookup with the next address (DNS rebinding)."""
    calls = []

    def getaddrinfo(host, port, *args, **kwargs):
        address = answers[min(len(calls), len(answers) - 1)]
        calls.append(host)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    return getaddrinfo, calls


def test_a_name_resolving_to_nat64_of_a_private_address_is_refused(monkeypatch, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    getaddrinfo, _ = _resolver("64:ff9b::a00:1")
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(OutboundUrlError, match="public internet addresses"):
        outbound_url_check("https://ats.example/hook")


@pytest.mark.django_db
def test_a_delivery_connects_to_the_address_it_checked(monkeypatch, settings, acme):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    settings.WEBHOOKS_MAX_TRIES = 3
    endpoint = WebhookEndpoint.objects.create(
        organization=acme.org, url="http://ats.example:8080/hook"
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id="evt_1", event_type="attempt.graded", payload={"a": 1}
    )
    # The first lookup says public, any later one says loopback: only one lookup may happen.
    getaddrinfo, lookups = _resolver("93.184.215.14", "127.0.0.1")
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    connected = []

    def create_connection(target, timeout=None, *args, **kwargs):
        connected.append(target)
        raise ConnectionRefusedError("test: no network")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    with pytest.raises(DeliveryRetry):
        delivery_send(delivery.pk)
    assert connected == [("93.184.215.14", 8080)]
    assert lookups == ["ats.example"]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and "ConnectionRefusedError" in delivery.error
