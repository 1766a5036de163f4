"""SCIM's side of the wire (RFC 7643/7644): the error shape, the strict reading of a body
into scim2-models' types, the list parameters and the discovery documents.

Every refusal is a `ScimError` and leaves as the RFC's Error body with its `scimType`; no
input reaches the database before scim2-models has validated it against the schema
(unknown attributes, wrong types and read-only attributes are refused by it).
"""

from __future__ import annotations

import json
import re

from django.http import HttpRequest, JsonResponse
from pydantic import ValidationError
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    Error,
    ETag,
    Filter,
    Group,
    Meta,
    Patch,
    PatchOp,
    ResourceType,
    ResponseParameters,
    ServiceProviderConfig,
    Sort,
    User,
)

from assess.strictinput import InputRejected, parse_json_object

CONTENT_TYPE = "application/scim+json"
ACCEPTED_CONTENT_TYPES = (CONTENT_TYPE, "application/json")
# A user or a group of a few hundred members fits with room to spare.
MAX_BODY_BYTES = 256 * 1024
# SCIM bodies are shallow: a group's members (3 levels), a patch of them (5).
MAX_BODY_DEPTH = 6
MAX_PAGE_SIZE = 200
MAX_PATCH_OPERATIONS = 100
RESOURCES = {"Users": User, "Groups": Group}


class ScimError(Exception):
    """A refusal with its HTTP status and the RFC's scimType (None where it has none)."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type

    def response(self) -> JsonResponse:
        return scim_response(
            Error(status=self.status, scim_type=self.scim_type, detail=self.detail).model_dump(),
            status=self.status,
        )


def scim_response(body: dict, *, status: int = 200, location: str | None = None) -> JsonResponse:
    response = JsonResponse(body, status=status, content_type=CONTENT_TYPE)
    if location:
        response["Location"] = location
    return response


def _validation_error(exc: ValidationError) -> ScimError:
    first = Error.from_validation_errors(exc)[0]
    return ScimError(400, first.detail or "The body does not follow the schema.", first.scim_type)


def read_body(request: HttpRequest) -> dict:
    """The request's JSON object, or a ScimError: wrong media type, too large, not UTF-8
    JSON, NaN, nested too deep, a NUL or a lone surrogate in a string."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared == "0" and not request.META.get("HTTP_TRANSFER_ENCODING"):
        raise ScimError(400, "The body is empty; send a JSON object.", "invalidSyntax")
    media_type = request.content_type or ""
    if media_type not in ACCEPTED_CONTENT_TYPES:
        raise ScimError(415, f"Send the body as {CONTENT_TYPE}.", "invalidSyntax")
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
        raise ScimError(413, f"The body is larger than {MAX_BODY_BYTES} bytes.", "tooLarge")
    raw = request.body
    if len(raw) > MAX_BODY_BYTES:
        raise ScimError(413, f"The body is larger than {MAX_BODY_BYTES} bytes.", "tooLarge")
    try:
        return parse_json_object(raw, max_depth=MAX_BODY_DEPTH)
    except InputRejected as exc:
        raise ScimError(400, exc.message[:1].upper() + exc.message[1:], "invalidSyntax") from None


def _require_schema(body: dict, model) -> None:
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or model.__schema__ not in schemas:
        raise ScimError(400, f"The body's schemas must list {model.__schema__}.", "invalidSyntax")


def read_resource(body: dict, model, context: Context):
    """`body` as a scim2-models `model` (User or Group), validated for `context` (a
    creation or a replacement request)."""
    _require_schema(body, model)
    try:
        return model.model_validate(body, scim_ctx=context)
    except ValidationError as exc:
        raise _validation_error(exc) from None


def read_patch(body: dict, model) -> PatchOp:
    _require_schema(body, PatchOp)
    operations = body.get("Operations")
    if isinstance(operations, list) and len(operations) > MAX_PATCH_OPERATIONS:
        raise ScimError(413, f"Send at most {MAX_PATCH_OPERATIONS} operations.", "tooMany")
    try:
        return PatchOp[model].model_validate(body, scim_ctx=Context.RESOURCE_PATCH_REQUEST)
    except ValidationError as exc:
        raise _validation_error(exc) from None


# `attribute eq "value"`, the one filter the directories send to find an existing account.
_EQUALITY_FILTER = re.compile(r'^\s*([A-Za-z][\w.]*)\s+eq\s+("(?:[^"\\]|\\.)*")\s*$', re.IGNORECASE)


def equality_filter(text: str | None, allowed: dict[str, str]) -> tuple[str, str] | None:
    """(field, value) of an `attribute eq "value"` filter on one of `allowed` (SCIM name,
    casefolded -> our field), None without a filter, ScimError for any other filter."""
    if text is None or text == "":
        return None
    if len(text) > 500 or "\x00" in text:
        raise ScimError(400, "The filter is too long or holds a NUL character.", "invalidFilter")
    match = _EQUALITY_FILTER.match(text)
    if match is None:
        names = ", ".join(sorted(allowed))
        raise ScimError(
            400,
            f"Only the filter '<attribute> eq \"<value>\"' is supported, on {names}.",
            "invalidFilter",
        )
    field = allowed.get(match.group(1).casefold())
    if field is None:
        raise ScimError(400, f"Filtering on {match.group(1)!r} is not supported.", "invalidFilter")
    try:
        value = json.loads(match.group(2))
    except ValueError:
        raise ScimError(400, "The filter's value is not a valid string.", "invalidFilter") from None
    return field, value


def _positive_int(params, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    text = str(raw)
    if not re.fullmatch(r"-?\d{1,9}", text):
        raise ScimError(400, f"{name} must be an integer.", "invalidValue")
    return int(text)


def page_params(params) -> tuple[int, int]:
    """(startIndex from 1, count up to MAX_PAGE_SIZE), clamped as RFC 7644 §3.4.2.4 says."""
    start = max(1, _positive_int(params, "startIndex", 1))
    count = min(MAX_PAGE_SIZE, max(0, _positive_int(params, "count", MAX_PAGE_SIZE)))
    return start, count


def attribute_params(params) -> ResponseParameters | None:
    """The `attributes` / `excludedAttributes` of a query (comma-separated names)."""
    chosen = {}
    for name in ("attributes", "excludedAttributes"):
        raw = params.get(name)
        if isinstance(raw, list):
            raw = ",".join(str(item) for item in raw)
        if raw:
            if (
                not isinstance(raw, str)
                or len(raw) > 1000
                or not re.fullmatch(r"[\w.:,\s$-]+", raw)
            ):
                raise ScimError(400, f"{name} is not a list of attribute names.", "invalidPath")
            chosen[name] = raw
    if not chosen:
        return None
    try:
        return ResponseParameters.model_validate(chosen)
    except ValidationError as exc:
        raise ScimError(400, f"{_validation_error(exc).detail}", "invalidPath") from None


def service_provider_config(base_url: str) -> dict:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_PAGE_SIZE),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="Bearer token",
                description="The organization's SCIM token, from its settings page.",
                primary=True,
            )
        ],
        meta=Meta(
            resource_type="ServiceProviderConfig", location=base_url + "ServiceProviderConfig"
        ),
    ).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


def resource_types(base_url: str) -> dict[str, dict]:
    types = {}
    for model in RESOURCES.values():
        resource_type = ResourceType.from_resource(model)
        resource_type.meta = Meta(
            resource_type="ResourceType", location=f"{base_url}ResourceTypes/{resource_type.id}"
        )
        types[resource_type.id] = resource_type.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return types


def schemas(base_url: str) -> dict[str, dict]:
    documents = {}
    for model in RESOURCES.values():
        schema = model.to_schema()
        schema.meta = Meta(resource_type="Schema", location=f"{base_url}Schemas/{schema.id}")
        documents[schema.id] = schema.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return documents


def list_response(resources: list[dict], *, total: int, start: int) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
