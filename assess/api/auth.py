"""`Authorization: Bearer <token>`: the token names the organization, and every view
filters by it. A revoked or unknown token is a 401; a token without the bank scope asking
for the bank is a 403."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from assess.audit import events
from assess.audit.trail import record_event
from assess.tokens import token_digest

from .models import ApiToken

# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiClient:
    """`request.user` for a token: an authenticated machine of one organization."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, token: ApiToken):
        self.token = token
        self.pk = self.id = token.pk
        self.organization = token.organization

    def __str__(self) -> str:
        return f"api token {self.token.prefix}"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send 'Authorization: Bearer <token>' with one token."
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("This API token is not valid.") from None
        if len(raw) > 200:
            raise exceptions.AuthenticationFailed("This API token is not valid.")
        token = (
            ApiToken.objects.select_related("organization")
            .filter(key_hash=token_digest(raw))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("This API token is not valid.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API token was revoked.")
        now = timezone.now()
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            # As often as last_used_at is written: a busy client is not one row per call.
            record_event(
                events.API_TOKEN_USED,
                request._request,
                organization=token.organization,
                target=token,
            )
        return ApiClient(token), token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with WWW-Authenticate), not 403, when no token is sent.
        return f'{self.keyword} realm="api"'


class HasApiToken(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken)


class CanReadBank(permissions.BasePermission):
    message = "This API token may not read the question bank (it needs the bank scope)."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken) and request.auth.can_read_bank


class CanWriteLibrary(permissions.BasePermission):
    message = (
        "This API token may not write your library (it needs the library scope: "
        "manage.py create_api_token --library)."
    )

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return isinstance(request.auth, ApiToken) and request.auth.can_write_library


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "assess.api.auth.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An organization's API token (nak_...).",
        }
