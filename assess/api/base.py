"""What every API view shares: token authentication, a size-limited JSON parser, per-token
throttling, limit/offset pagination that refuses bad values, and strict query parameters."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from rest_framework import exceptions, generics, parsers, renderers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from ..strictinput import InputRejected, parse_json
from .auth import ApiTokenAuthentication, HasApiToken
from .errors import BodyTooLarge

logger = logging.getLogger(__name__)


class LimitedJSONParser(parsers.JSONParser):
    """JSON only, at most API_MAX_BODY_BYTES, through the platform's strict parser (no
    NaN/Infinity/overflow, bounded nesting, no NUL or lone surrogate). DRF reads the raw
    stream, which Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not guard, so the limit is
    enforced here."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(f"The request body is larger than {limit} bytes.")
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            return parse_json(raw)
        except InputRejected as exc:
            raise exceptions.ParseError(f"The body was refused: {exc.message}") from None


class TokenScopedThrottle(ScopedRateThrottle):
    """Per token (request.user.pk is the token's id) and per scope; the rates are read
    when a request comes, so settings overrides apply.

    The counters live in the cache (Redis in production). While it is down the API keeps
    answering unthrottled: refusing every client for an outage of a rate limiter would
    turn a degraded component into a full outage. The failure is logged (once a minute)."""

    def allow_request(self, request, view):
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        try:
            return super().allow_request(request, view)
        except Exception:  # any cache backend's connection error
            _log_cache_outage()
            return True


_cache_outage_logged_at = 0.0


def _log_cache_outage() -> None:
    global _cache_outage_logged_at
    now = time.monotonic()
    if now - _cache_outage_logged_at >= 60:
        _cache_outage_logged_at = now
        logger.error("API throttling is off: the cache did not answer", exc_info=True)


class StrictLimitOffsetPagination(LimitOffsetPagination):
    default_limit = 25

    @property
    def max_limit(self) -> int:
        return settings.API_PAGE_SIZE_MAX

    def _read(self, request, name: str, default: int, minimum: int, maximum: int | None) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise exceptions.ValidationError({name: ["A whole number is required."]}) from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = (
                f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            )
            raise exceptions.ValidationError({name: [f"Must be {bound}."]})
        return value

    def get_limit(self, request) -> int:
        return self._read(request, self.limit_query_param, self.default_limit, 1, self.max_limit)

    def get_offset(self, request) -> int:
        return self._read(request, self.offset_query_param, 0, 0, 10**9)


class ApiView(generics.GenericAPIView):
    """Base of every API view. Subclasses set `throttle_scope` ("api_read"/"api_write")
    and, for lists, `filter_serializer_class` (query parameters)."""

    error_envelope = True  # read by errors.api_exception_handler
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasApiToken]
    throttle_classes = [TokenScopedThrottle]
    throttle_scope = "api_read"
    parser_classes = [LimitedJSONParser]
    renderer_classes = [renderers.JSONRenderer]
    pagination_class = StrictLimitOffsetPagination
    metadata_class = None  # OPTIONS is 405: the schema documents the API
    filter_serializer_class = None

    @property
    def organization(self):
        return self.request.auth.organization

    def query_filters(self) -> dict:
        """The validated query parameters; unknown ones are refused (a typo silently
        ignored would return everything)."""
        allowed = {"limit", "offset"}
        serializer = None
        if self.filter_serializer_class is not None:
            # A plain dict: DRF skips empty values of a QueryDict, and `?status=` should
            # be refused, not read as "no filter".
            serializer = self.filter_serializer_class(data=dict(self.request.query_params.items()))
            allowed |= set(serializer.fields)
        params = self.request.query_params
        errors = {name: ["Unknown query parameter."] for name in sorted(set(params) - allowed)}
        errors.update(
            {
                name: ["Give this parameter once."]
                for name in params
                if name in allowed and len(params.getlist(name)) > 1
            }
        )
        if errors:
            raise exceptions.ValidationError(errors)
        if serializer is None:
            return {}
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def list_response(self, queryset, output_serializer_class, context: dict | None = None):
        page = self.paginate_queryset(queryset)
        rows = output_serializer_class(page, many=True, context=context or {})
        return self.get_paginated_response(rows.data)
