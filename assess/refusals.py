"""How a page answers a refused request: any `quizzes.errors.UserError` (the attempt's,
recruiting's, review's, privacy's, strict input's, the bank's), with its message, its HTTP
status and, for a refusal for rate, `Retry-After`, whichever layer refused. The API answers
the same errors in its envelope (`assess.api.errors`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from quizzes.errors import UserError


def _with_retry_after(response: HttpResponse, error: UserError) -> HttpResponse:
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


def refusal_json(error: UserError, *, message: str | None = None, **extra) -> JsonResponse:
    """{"error": message, **extra} with the error's status; `message` rewords it."""
    body = {"error": error.message if message is None else message, **extra}
    return _with_retry_after(JsonResponse(body, status=error.status), error)


def refusal_page(
    request: HttpRequest, refused: UserError, template: str = "assess/refusal.html", **context
) -> HttpResponse:
    """The refusal's message on a page (`message` in the template's context), with its
    status; `context` adds to it."""
    response = render(
        request, template, {"message": refused.message, **context}, status=refused.status
    )
    return _with_retry_after(response, refused)
