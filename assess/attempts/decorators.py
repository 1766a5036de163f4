"""The decorator of every candidate page: the link's token resolves to its invitation."""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .services import AttemptError, invitation_for_token


def _refusal(request: HttpRequest, error: AttemptError) -> HttpResponse:
    return render(request, "assess/refusal.html", {"message": error.message}, status=error.status)


def candidate_page(view):
    """Resolve the link's token to its invitation; a refusal page for any AttemptError.
    Candidate pages are never cached (they hold live state), and the link (with its token)
    is never sent as a referrer to another site. ("no-referrer" would make browsers send
    `Origin: null` on form posts, which Django's CSRF check rightly refuses.)"""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        try:
            response = view(request, invitation_for_token(token), token, *args, **kwargs)
        except AttemptError as error:
            response = _refusal(request, error)
        response["Referrer-Policy"] = "same-origin"
        return response

    return never_cache(wrapper)
