"""The decorators of the candidate's pages: the link's token resolves to its invitation
(`candidate_page`, every page); the invitation to its started attempt (`started_attempt`)."""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from assess.refusals import refusal_page
from quizzes.errors import UserError

from .models import AttemptStatus
from .services import attempt_close_if_due, attempt_of, invitation_for_token


def candidate_page(view):
    """Resolve the link's token to its invitation; a refusal page for any refused request
    (`UserError`) the view does not answer itself.
    Candidate pages are never cached (they hold live state), and the link (with its token)
    is never sent as a referrer to another site. ("no-referrer" would make browsers send
    `Origin: null` on form posts, which Django's CSRF check rightly refuses.)"""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        try:
            response = view(request, invitation_for_token(token), token, *args, **kwargs)
        except UserError as error:
            response = refusal_page(request, error)
        response["Referrer-Policy"] = "same-origin"
        return response

    return never_cache(wrapper)


def started_attempt(*, close_if_due: bool = True, open_only: bool = False):
    """For a page (under `candidate_page`) that needs the test started: the view gets the
    link's attempt as `attempt`, submitted first when its deadline has passed
    (`close_if_due`). Not started yet: the landing page. With `open_only`, a submitted
    attempt goes to the done page instead."""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, invitation, token: str, *args, **kwargs):
            attempt = attempt_of(invitation)
            if attempt is None:
                return redirect("assess:attempt_landing", token=token)
            if close_if_due:
                attempt = attempt_close_if_due(attempt)
            if open_only and attempt.status == AttemptStatus.SUBMITTED:
                return redirect("assess:attempt_done", token=token)
            return view(request, invitation, token, *args, attempt=attempt, **kwargs)

        return wrapper

    return decorate
