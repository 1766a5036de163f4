"""What every ATS's incoming call shares: HTTP Basic with the organization's key as the
user name (Greenhouse and Ashby both), a rate limit per key and per client address, a
strict JSON body, field checks, the exchange log, and a refusal in the ATS's own shape
(never a 500 for a body)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from assess.clientip import client_ip

from .connections import INCOMING, connection_for_key, exchange_logged, rate_limit_exceeded

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 8
MAX_TEXT = 500


class RequestRefused(Exception):
    """A call we answer with an error: its HTTP status and plain words."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def text_field(body: dict, name: str, *, required: bool = True, max_chars: int = MAX_TEXT) -> str:
    """A string (an integer id is taken as its digits), stripped, without control
    characters; "" when absent and not required."""
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise RequestRefused(400, f"{name} is required.")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RequestRefused(400, f"{name} must be a string.")
    value = str(value).strip()
    if not value and required:
        raise RequestRefused(400, f"{name} is required.")
    if len(value) > max_chars:
        raise RequestRefused(400, f"{name} is longer than {max_chars} characters.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise RequestRefused(400, f"{name} contains control characters.")
    return value


def object_field(body: dict, name: str, *, required: bool = True) -> dict:
    value = body.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise RequestRefused(400, f"{name} must be an object.")
    return value


def basic_key(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value or len(value) > 400:
        return ""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""
    # "<key>:": the key as the user name, no password.
    return decoded.partition(":")[0]


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _depth(value, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        children = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return level
    return max((_depth(child, level + 1) for child in children), default=level)


def json_object(request: HttpRequest) -> dict:
    """The body as a JSON object: not too large, not too deep, no NaN or Infinity."""
    if len(request.body) > MAX_BODY_BYTES:
        raise RequestRefused(413, "The body is too large.")
    try:
        body = json.loads(request.body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RequestRefused(400, "The body is not valid JSON.") from None
    if _depth(body) > MAX_DEPTH:
        raise RequestRefused(400, "The body is nested too deeply.")
    if not isinstance(body, dict):
        raise RequestRefused(400, "The body must be a JSON object.")
    return body


Refusal = Callable[[int, str], JsonResponse]


def ats_endpoint(
    ats: str,
    name: str,
    method: str,
    refuse: Refusal,
    answer: Callable,
    *,
    find_connection: Callable | None = None,
):
    """Authenticate, rate-limit, log and answer one call of an ATS. The handler gets
    (request, connection, exchange) and returns what `answer` turns into the response, or
    raises `RequestRefused`. The connection is the one whose key is the Basic user name,
    or, with `find_connection(request, **url_kwargs)`, the one it names (404 when none:
    Lever, whose deliveries the handler authenticates by their signature)."""

    def decorate(handler):
        @csrf_exempt
        def view(request: HttpRequest, **url_kwargs) -> JsonResponse:
            if rate_limit_exceeded(f"ip:{client_ip(request)}", settings.INTEGRATIONS_RATE_PER_IP):
                return refuse(429, "Too many requests; try again in a minute.")
            if find_connection is not None:
                connection = find_connection(request, **url_kwargs)
                if connection is None:
                    return refuse(404, "No such address.")
            else:
                connection = connection_for_key(basic_key(request), ats)
            if connection is None:
                return refuse(401, "The API key is missing or not valid.")
            with exchange_logged(connection, INCOMING, name) as exchange:
                if rate_limit_exceeded(f"connection:{connection.pk}"):
                    exchange.status = 429
                    return refuse(429, "Too many requests; try again in a minute.")
                if request.method != method:
                    exchange.status = 405
                    return refuse(405, f"Use {method}.")
                try:
                    data = handler(request, connection, exchange)
                except RequestRefused as exc:
                    exchange.status, exchange.note = exc.status, exc.message
                    return refuse(exc.status, exc.message)
                exchange.status = 200
                return answer(data)

        view.__name__ = f"{ats}_{name}".replace(".", "_")
        return view

    return decorate
