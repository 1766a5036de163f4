"""One error body for every API failure:

    {"error": {"code": "invalid", "message": "...", "fields": {"title": ["This field is required."]}}}

`fields` is present only for field-level validation errors. A refusal raised by the layers
below (any `quizzes.errors.UserError`: recruiting's, privacy's, the webhook address's, ...)
is answered here with its own status and message, so views do not translate them. Views
outside the API keep DRF's default bodies."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from quizzes.errors import UserError

logger = logging.getLogger(__name__)


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "body_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


FIELDS_INVALID = "Some fields are not valid; see `fields`."

# The code a refusal from below carries in the envelope, by its HTTP status.
USER_ERROR_CODES = {
    400: "invalid",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    410: "gone",
    413: "body_too_large",
    429: "throttled",
}

CODES = {
    exceptions.ParseError: "malformed_json",
    exceptions.AuthenticationFailed: "unauthenticated",
    exceptions.NotAuthenticated: "unauthenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "invalid",
}


def _flatten(detail: Any) -> Any:
    """ErrorDetail trees as plain strings, lists and dicts."""
    if isinstance(detail, dict):
        return {str(key): _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list | tuple):
        return [_flatten(item) for item in detail]
    return str(detail)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    view = context.get("view")
    envelope = getattr(view, "error_envelope", False)
    if isinstance(exc, UserError):
        code = USER_ERROR_CODES.get(exc.status, "error")
        body = error_body(code, exc.message, exc.fields) if envelope else {"detail": exc.message}
        response = Response(body, status=exc.status)
        if exc.retry_after is not None:
            response["Retry-After"] = str(exc.retry_after)
        return response
    if not envelope:
        return drf_exception_handler(exc, context)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        # An unexpected error: logged with its traceback, answered in the same shape.
        logger.exception("API error in %s", type(view).__name__, exc_info=exc)
        return Response(
            error_body("server_error", "Something went wrong on our side."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    code = next((c for cls, c in CODES.items() if isinstance(exc, cls)), None)
    code = code or getattr(exc, "default_code", None) or "error"
    if isinstance(exc, exceptions.ValidationError):
        detail = _flatten(exc.detail)
        if isinstance(detail, dict):
            general = detail.pop("non_field_errors", None)
            message = " ".join(general) if general else FIELDS_INVALID
            response.data = error_body(code, message, detail or None)
        else:
            response.data = error_body(
                code, " ".join(detail) if isinstance(detail, list) else str(detail)
            )
    else:
        detail = getattr(exc, "detail", str(exc))
        response.data = error_body(code, str(detail))
    return response
