"""`Authorization: Bearer <token>` names the organization whose directory calls; every
request sees that organization's users and groups alone."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from assess.orgs.models import Organization
from assess.tokens import token_digest

from .models import Directory
from .protocol import ScimError

LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 200


def calling_organization(request: HttpRequest) -> Organization:
    """The organization of the request's SCIM token, or a 401 ScimError."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, raw = header.partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw or len(raw) > MAX_TOKEN_LENGTH or not raw.isascii():
        raise ScimError(401, "Send 'Authorization: Bearer <the organization's SCIM token>'.")
    directory = (
        Directory.objects.select_related("organization").filter(key_hash=token_digest(raw)).first()
    )
    if directory is None:
        raise ScimError(401, "This SCIM token is not valid (it may have been rotated).")
    now = timezone.now()
    if directory.last_used_at is None or directory.last_used_at < now - LAST_USED_RESOLUTION:
        Directory.objects.filter(pk=directory.pk).update(last_used_at=now)
    return directory.organization
