"""Sealing a candidate's token while its invitation email waits to be sent.

Only the token's hash identifies an invitation, so the database alone never reveals a
working link. The email is sent later by a Celery worker, which needs the token itself: it
is kept encrypted (Fernet: AES-128-CBC + HMAC-SHA256) under a key derived from SECRET_KEY
until the email is delivered, then erased. The broker never sees it (the task carries only
the invitation's id) and neither does any log.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

_PURPOSE = b"normassess:invitation-token-seal:v1"


def _fernet() -> Fernet:
    key = hashlib.sha256(_PURPOSE + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode("ascii")


def unseal(sealed: str) -> str | None:
    """The secret, or None when it cannot be read (sealed under another SECRET_KEY)."""
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None
