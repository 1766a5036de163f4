"""Every call the platform makes to an address someone else chose (webhook receivers, the
applicant-tracking systems, an identity provider's metadata): https (http only where settings
allow), a public address only (private, loopback, link-local, NAT64 and IPv4-in-IPv6 forms
refused), checked when the address is saved and again at each call, and the connection pinned
to the address the check approved (no DNS rebinding, no redirects).

`WEBHOOKS_ALLOW_PRIVATE_HOSTS` (tests, a private deployment) lifts the address rule and
`WEBHOOKS_TIMEOUT_SECONDS` bounds each call; both keep their first feature's name.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings

from quizzes.errors import UserError

ERROR_EXCERPT_CHARS = 500
# How an answer longer than the caller asked for is reported (`http_send(read_body=...)`).
TOO_LONG = "The answer is longer than"


class OutboundUrlError(UserError):
    """An address the platform may not call (its one field is `url`)."""

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


def public_address(hostname: str, port: int) -> str:
    """The address to connect to: every address the name resolves to must be public (one
    private answer is enough to refuse), and the first is the one used, so a second
    lookup (DNS rebinding) cannot send the request elsewhere."""
    try:
        infos = socket.getaddrinfo(hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise OutboundUrlError(f"The host {hostname!r} cannot be resolved.") from None
    addresses = [info[4][0] for info in infos]
    if not addresses or not all(address_is_public(a) for a in addresses):
        raise OutboundUrlError("Only public internet addresses can be reached.")
    return addresses[0]


def check_url_form(url: str):
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise OutboundUrlError("This is not a valid URL.") from None
    if parts.scheme not in ("http", "https"):
        raise OutboundUrlError("Only http:// and https:// URLs can be used.")
    if not parts.hostname or parts.username or parts.password:
        raise OutboundUrlError("The URL needs a host name and no user name or password.")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise OutboundUrlError("The URL contains spaces or control characters.")
    return url, parts


def outbound_url_check(url: str, *, resolve: bool = True) -> str:
    """The URL, if the platform may call it: http(s), a host, and (unless
    WEBHOOKS_ALLOW_PRIVATE_HOSTS) only public addresses, so no one can make the platform
    reach its own network (SSRF)."""
    url, parts = check_url_form(url)
    if settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS or not resolve:
        return url
    public_address(parts.hostname, parts.port or default_port(parts.scheme))
    return url


def outbound_target(url: str) -> str | None:
    """The checked address a delivery connects to (None: connect by name, allowed only
    with WEBHOOKS_ALLOW_PRIVATE_HOSTS); OutboundUrlError when the URL may not be used."""
    url, parts = check_url_form(url)
    if settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS:
        return None
    return public_address(parts.hostname, parts.port or default_port(parts.scheme))


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


class HttpAnswer(NamedTuple):
    """What a receiver answered: the HTTP status (None when no answer came), an error
    excerpt ("" on success) and its Retry-After in seconds (None when absent or unreadable)."""

    status: int | None
    error: str
    retry_after: int | None = None
    # The body of a 2xx answer, when the caller asked for it (`read_body`), else b"".
    body: bytes = b""


def _retry_after(value: str | None) -> int | None:
    # Only the delta-seconds form; an HTTP date is rare from APIs and read as absent.
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def http_send(
    method: str,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    address: str | None = None,
    read_body: int = 0,
) -> HttpAnswer:
    """One request to a checked address (`outbound_target`). Redirects are not followed:
    one could point at an address the check never saw. Callers that need the answer read up
    to `read_body` bytes of a 2xx answer (an answer longer than that is an error: it is not
    what was asked for)."""
    parts = urlsplit(url)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(
        parts.hostname,
        parts.port or default_port(parts.scheme),
        address,
        timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
    )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        if 200 <= response.status < 300:
            if not read_body:
                return HttpAnswer(response.status, "")
            answer = response.read(read_body + 1)
            if len(answer) > read_body:
                return HttpAnswer(None, f"{TOO_LONG} {read_body} bytes.")
            return HttpAnswer(response.status, "", body=answer)
        excerpt = response.read(ERROR_EXCERPT_CHARS).decode("utf-8", "replace")
        return HttpAnswer(
            response.status,
            f"HTTP {response.status}: {excerpt}"[:ERROR_EXCERPT_CHARS],
            _retry_after(response.getheader("Retry-After")),
        )
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return HttpAnswer(None, f"{type(exc).__name__}: {exc}"[:ERROR_EXCERPT_CHARS])
    finally:
        connection.close()
