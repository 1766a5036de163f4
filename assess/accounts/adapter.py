"""django-allauth's account adapter for the hiring team: accounts are made by an
organization's admin (or the directory), never by signing up; the sign-in form answers as
it always has."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from assess.clientip import client_ip

# The words the sign-in page has always used (and people and tests know).
WRONG_PASSWORD = (
    "Please enter a correct username and password. Note that both fields may be case-sensitive."
)


class TeamAccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": WRONG_PASSWORD,
        "email_password_mismatch": WRONG_PASSWORD,
    }

    def get_client_ip(self, request: HttpRequest) -> str:
        """The proxy-aware address (assess.clientip) for sessions and allauth's limits; a
        request without one is not refused (allauth would answer 403 on every page)."""
        return client_ip(request) or "0.0.0.0"

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
