"""The address a request came from, and the address sign-in failures are counted against."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# An IPv6 client is usually given a whole /64 (SLAAC, privacy addresses, any home router),
# so counting single IPv6 addresses would hand it 2**64 fresh ones.
IPV6_CLIENT_PREFIX = 64


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind `TRUSTED_PROXY_COUNT` proxies the X-Forwarded-For entry the
    outermost proxy appended: entries further left were written by the client, who could
    put anything there. An entry that is not an address (a proxy's "unknown", garbage)
    falls back to REMOTE_ADDR; "" when neither is an address."""
    remote = _parse_address(request.META.get("REMOTE_ADDR", "") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return _parse_address(forwarded[-proxies]) or remote


def signin_address(request: HttpRequest) -> str:
    """The address django-axes counts failed sign-ins against (AXES_CLIENT_IP_CALLABLE):
    an IPv4 address as it is, an IPv6 address as its /64 network (`2001:db8:1:2::`), an
    IPv4-mapped IPv6 address as the IPv4 address it maps."""
    address = client_ip(request)
    if not address:
        return ""
    return str(_address_block(ipaddress.ip_address(address)))


def _address_block(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The first address of the block one client controls: itself for IPv4, the /64 for
    IPv6 (without a zone: `fe80::1%eth0` -> `fe80::`)."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    host_bits = 128 - IPV6_CLIENT_PREFIX
    return ipaddress.IPv6Address(int(address) >> host_bits << host_bits)


def _parse_address(text: str) -> str:
    """`text` as an address in its canonical spelling, or "" when it is none. Proxies
    may add a port (`203.0.113.9:443`, `[2001:db8::1]:443`)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return ""
    return str(address)
