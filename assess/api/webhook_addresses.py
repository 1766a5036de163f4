"""Which webhook URLs may be registered and where a delivery connects: https (http only
where settings allow), a public address only (private, loopback, link-local, NAT64 and
IPv4-in-IPv6 forms refused), checked at registration and again at each delivery."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from quizzes.errors import UserError

from ..models import Organization
from .models import WebhookEndpoint


class WebhookUrlError(UserError):
    """A webhook receiver's address refused (its one field is `url`)."""

    def __init__(self, message: str):
        super().__init__(message, fields={"url": [message]})


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


def default_port(scheme: str) -> int:
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
    _public_address(parts.hostname, parts.port or default_port(parts.scheme))
    return url


def webhook_target(url: str) -> str | None:
    """The checked address a delivery connects to (None: connect by name, allowed only
    with WEBHOOKS_ALLOW_PRIVATE_HOSTS); WebhookUrlError when the URL may not be used."""
    url, parts = _check_url_form(url)
    if settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS:
        return None
    return _public_address(parts.hostname, parts.port or default_port(parts.scheme))


def webhook_endpoint_register(
    organization: Organization, url: str, *, description: str = ""
) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        organization=organization, url=webhook_url_check(url), description=description
    )
