"""The address people outside the hiring team open: candidates' links, shared reports."""

from django.conf import settings
from django.http import HttpRequest


def public_base_url(request: HttpRequest) -> str:
    """ASSESS_PUBLIC_URL when it is set (behind a proxy, or for an API client on an internal
    name, the request's host is not what a candidate can open), else the request's own."""
    return settings.ASSESS_PUBLIC_URL or request.build_absolute_uri("/")


def public_url(request: HttpRequest, path: str) -> str:
    return public_base_url(request).rstrip("/") + path
