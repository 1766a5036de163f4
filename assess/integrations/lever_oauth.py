"""Lever's OAuth 2.0 (authorization code, hire.lever.co/developer/oauth): the admin is sent
to Lever's `/authorize` with a random `state`, comes back with a code, which we exchange at
`/oauth/token` for an access token (valid an hour) and a refresh token (`offline_access`).
The tokens are sealed like every credential (`credentials.py`); an expired access token is
refreshed before a call, and a call answered 401 refreshes it once and is sent again.

Every call to Lever goes through `assess.outbound` (`http_send`,
`outbound_target`: the SSRF rules, the pinned address, no redirects). LEVER_AUTH_URL and
LEVER_API_URL are settings so that a test points them at a fake Lever.
"""

from __future__ import annotations

import json
import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction

from assess.models import Organization
from assess.outbound import HttpAnswer, OutboundUrlError, http_send, outbound_target
from assess.tokens import token_digest

from .connections import OUTGOING, CannotSend, exchange_logged
from .credentials import credential_seal, credential_unseal, key_new
from .models import Ats, AtsConnection

# A token answer or an API object is small; a longer answer is not what we asked for.
MAX_ANSWER_BYTES = 256 * 1024
# Refresh this long before Lever's expiry, so a token does not lapse on the way.
EXPIRY_MARGIN_SECONDS = 60


def lever_connection(organization: Organization) -> AtsConnection:
    """The organization's Lever connection, made on first use with its webhook id. Lever
    does not call with a key of ours, so the key fields hold a random key no one is given
    (they are unique and required for the other systems)."""
    connection = AtsConnection.objects.filter(organization=organization, ats=Ats.LEVER).first()
    if connection is not None:
        return connection
    unused = key_new()
    connection, _ = AtsConnection.objects.get_or_create(
        organization=organization,
        ats=Ats.LEVER,
        defaults={
            "key_hash": token_digest(unused),
            "key_prefix": "",
            "key_sealed": "",
            "webhook_id": "lv" + secrets.token_urlsafe(18),
        },
    )
    return connection


def authorize_url(state: str, redirect_uri: str) -> str:
    """Where the admin's browser goes to grant us access (`prompt=consent` so that Lever
    always returns a refresh token)."""
    query = {
        "client_id": settings.LEVER_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "state": state,
        "response_type": "code",
        "scope": settings.LEVER_SCOPES,
        "prompt": "consent",
        "audience": settings.LEVER_API_URL.rstrip("/") + "/",
    }
    return settings.LEVER_AUTH_URL.rstrip("/") + "/authorize?" + urlencode(query)


def _tokens(connection: AtsConnection) -> dict:
    raw = credential_unseal(connection.oauth_sealed) if connection.oauth_sealed else None
    try:
        tokens = json.loads(raw) if raw else {}
    except ValueError:
        tokens = {}
    return tokens if isinstance(tokens, dict) else {}


def is_connected(connection: AtsConnection) -> bool:
    tokens = _tokens(connection)
    return bool(tokens.get("refresh_token") or tokens.get("access_token"))


def _token_request(connection: AtsConnection, form: dict) -> dict | None:
    """POST Lever's token endpoint (form-encoded, as RFC 6749 asks). The token answer, None
    when Lever did not answer (worth trying later); raises `CannotSend` when Lever refuses."""
    url = settings.LEVER_AUTH_URL.rstrip("/") + "/oauth/token"
    body = urlencode(
        form
        | {"client_id": settings.LEVER_CLIENT_ID, "client_secret": settings.LEVER_CLIENT_SECRET}
    ).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "User-Agent": "NormAssess-Integrations/1",
    }
    with exchange_logged(connection, OUTGOING, "oauth/token") as exchange:
        try:
            address = outbound_target(url)
        except OutboundUrlError as exc:
            raise CannotSend(f"Lever's address is refused: {exc}") from None
        answer = http_send("POST", url, body, headers, address=address, read_body=MAX_ANSWER_BYTES)
        exchange.status = answer.status
        if answer.status is None or answer.status >= 500 or answer.status == 429:
            exchange.note = "Lever's token endpoint did not answer; tried again later."
            return None
        if answer.status >= 300:
            exchange.note = "Lever refused the grant."
            raise CannotSend("Lever refused our access (revoked or expired): connect Lever again.")
        try:
            tokens = json.loads(answer.body)
            access = tokens["access_token"]
            lifetime = int(tokens.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError):
            exchange.note = "Lever's token answer could not be read."
            return None
        if not isinstance(access, str) or not access:
            exchange.note = "Lever's token answer had no access token."
            return None
    refresh = tokens.get("refresh_token")
    return {
        "access_token": access,
        "refresh_token": refresh if isinstance(refresh, str) else None,
        "expires_at": time.time() + max(60, min(lifetime, 86400)),
    }


def _tokens_save(connection: AtsConnection, fresh: dict, old: dict) -> dict:
    # Lever may rotate the refresh token; when it sends none, the old one still stands.
    fresh["refresh_token"] = fresh["refresh_token"] or old.get("refresh_token")
    connection.oauth_sealed = credential_seal(json.dumps(fresh))
    AtsConnection.objects.filter(pk=connection.pk).update(oauth_sealed=connection.oauth_sealed)
    return fresh


def code_exchange(connection: AtsConnection, code: str, redirect_uri: str) -> None:
    """The admin came back from Lever with a code: the first tokens. Raises `CannotSend`."""
    fresh = _token_request(
        connection,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
    )
    if fresh is None:
        raise CannotSend("Lever did not answer; connect again in a minute.")
    _tokens_save(connection, fresh, {})
    AtsConnection.objects.filter(pk=connection.pk).update(active=True)


def access_token(connection: AtsConnection, *, rejected: str = "") -> str | None:
    """A valid access token, refreshed when it has expired or when Lever just refused
    `rejected`. The refresh runs under the connection's row lock: two workers at once make
    one refresh (Lever's refresh tokens may be single use). None when Lever's token
    endpoint did not answer; raises `CannotSend` when there is no grant to use."""
    tokens = _tokens(connection)
    if tokens.get("access_token") and tokens["access_token"] != rejected:
        if float(tokens.get("expires_at") or 0) > time.time() + EXPIRY_MARGIN_SECONDS:
            return tokens["access_token"]
    with transaction.atomic():
        locked = AtsConnection.objects.select_for_update().get(pk=connection.pk)
        tokens = _tokens(locked)
        current = tokens.get("access_token")
        if current and current != rejected:
            if float(tokens.get("expires_at") or 0) > time.time() + EXPIRY_MARGIN_SECONDS:
                return current  # another worker refreshed it meanwhile
        if not tokens.get("refresh_token"):
            raise CannotSend("Lever is not connected: press Connect Lever on the settings page.")
        fresh = _token_request(
            locked, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        )
        if fresh is None:
            return None
        return _tokens_save(locked, fresh, tokens)["access_token"]


def lever_call(
    connection: AtsConnection,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    content_type: str = "application/json",
    read_body: int = 0,
) -> HttpAnswer:
    """One call to Lever's API with a valid token; a 401 refreshes the token once and sends
    the call again. Raises `CannotSend` when it cannot be made; an answer with status None
    (no answer, or no token for now) is worth trying again."""
    url = settings.LEVER_API_URL.rstrip("/") + path
    try:
        address = outbound_target(url)
    except OutboundUrlError as exc:
        raise CannotSend(f"Lever's address is refused: {exc}") from None
    rejected = ""
    for _ in range(2):
        token = access_token(connection, rejected=rejected)
        if token is None:
            return HttpAnswer(None, "Lever's token endpoint did not answer.")
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": "NormAssess-Integrations/1",
        }
        if body:
            headers["Content-Type"] = content_type
        answer = http_send(method, url, body, headers, address=address, read_body=read_body)
        if answer.status != 401:
            return answer
        rejected = token
    return answer
