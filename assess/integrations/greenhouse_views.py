"""The endpoints Greenhouse calls, one per documented call, all with HTTP Basic (the
organization's key as the user name) and a rate limit per key. Every refusal, whatever
the body, is `{"errors": [...]}` with its status (the array of strings Greenhouse itself
uses in `response_error`); nothing here answers 500 for a body.
"""

from __future__ import annotations

import base64
import binascii
import json
import math

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from assess.clientip import client_ip
from assess.publicurl import public_base_url

from .connections import INCOMING, connection_for_key, exchange_logged, rate_limit_exceeded
from .greenhouse import GreenhouseError, link_for, test_send, test_status, tests_list
from .models import Ats

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 8


def _errors(status: int, *messages: str) -> JsonResponse:
    response = JsonResponse({"errors": list(messages)}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="greenhouse"'
    return response


def _basic_key(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value or len(value) > 400:
        return ""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""
    # Greenhouse sends "<key>:" (the key as the user name, no password).
    return decoded.partition(":")[0]


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _depth(value, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    return max((_depth(child, level + 1) for child in children), default=level)


def _json_body(request: HttpRequest):
    if len(request.body) > MAX_BODY_BYTES:
        raise GreenhouseError(413, "The body is too large.")
    try:
        body = json.loads(request.body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise GreenhouseError(400, "The body is not valid JSON.") from None
    if _depth(body) > MAX_DEPTH:
        raise GreenhouseError(400, "The body is nested too deeply.")
    if isinstance(body, float) and not math.isfinite(body):
        raise GreenhouseError(400, "The body is not valid JSON.")
    return body


def greenhouse_endpoint(name: str, method: str):
    """Authenticate, rate-limit, log and answer one of Greenhouse's calls; the view gets
    (request, connection, exchange) and returns a JSON-able value or raises
    `GreenhouseError`."""

    def decorate(handler):
        @csrf_exempt
        def view(request: HttpRequest) -> JsonResponse:
            if rate_limit_exceeded(f"ip:{client_ip(request)}", settings.INTEGRATIONS_RATE_PER_IP):
                return _errors(429, "Too many requests; try again in a minute.")
            connection = connection_for_key(_basic_key(request), Ats.GREENHOUSE)
            if connection is None:
                return _errors(401, "The API key is missing or not valid.")
            with exchange_logged(connection, INCOMING, name) as exchange:
                if rate_limit_exceeded(f"connection:{connection.pk}"):
                    exchange.status = 429
                    return _errors(429, "Too many requests; try again in a minute.")
                if request.method != method:
                    exchange.status = 405
                    return _errors(405, f"Use {method}.")
                try:
                    data = handler(request, connection, exchange)
                except GreenhouseError as exc:
                    exchange.status, exchange.note = exc.status, exc.message
                    return _errors(exc.status, exc.message)
                exchange.status = 200
                return JsonResponse(data, status=200, safe=False)

        view.__name__ = f"greenhouse_{name}"
        return view

    return decorate


@greenhouse_endpoint("list_tests", "GET")
def list_tests(request, connection, exchange):
    return tests_list(connection)


@greenhouse_endpoint("send_test", "POST")
def send_test(request, connection, exchange):
    link, _ = test_send(connection, _json_body(request), base_url=public_base_url(request))
    exchange.link = link
    return {"partner_interview_id": link.partner_interview_id}


@greenhouse_endpoint("test_status", "GET")
def test_status_view(request, connection, exchange):
    ids = request.GET.getlist("partner_interview_id")
    if len(ids) != 1:
        raise GreenhouseError(400, "Send one partner_interview_id.")
    link = link_for(connection, ids[0])
    exchange.link = link
    return test_status(link, base_url=public_base_url(request))


@greenhouse_endpoint("response_error", "POST")
def response_error(request, connection, exchange):
    """Greenhouse tells us our answer did not validate. Only how many errors it saw is
    logged: its body may carry the candidate's email, which no log keeps."""
    body = _json_body(request)
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
        raise GreenhouseError(400, "errors must be an array of strings.")
    exchange.note = f"Greenhouse reported {len(errors)} error(s) in our responses."
    return {}
