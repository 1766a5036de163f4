"""The one hash of a secret token (an invitation link's, an API token's): only the digest is
stored, so a leaked database opens no attempt and calls no API."""

import hashlib


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
