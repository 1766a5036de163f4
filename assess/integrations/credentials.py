"""The connections' keys: made, recognised by their hash, and sealed (Fernet) for the
calls we make with them. The sealing key is INTEGRATIONS_CREDENTIALS_KEY when given (a
Fernet key), else derived from SECRET_KEY for this purpose only."""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

_PURPOSE = b"normassess:ats-credentials:v1"
KEY_PREFIX = "nai_"
# Greenhouse: "API keys must be fewer than 171 characters".
MAX_KEY_CHARS = 170


def _fernet() -> Fernet:
    given = getattr(settings, "INTEGRATIONS_CREDENTIALS_KEY", "")
    if given:
        return Fernet(given.encode("ascii"))
    key = hashlib.sha256(_PURPOSE + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def key_new() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def credential_seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode("ascii")


def credential_unseal(sealed: str) -> str | None:
    """The secret, or None when it cannot be read (sealed under another key)."""
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None
