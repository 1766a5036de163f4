"""drf-spectacular post-processing: every API operation documents the error body."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Per field (dotted paths for nested ones): a list of messages.",
                },
            },
        }
    },
}

COMMON = {
    "400": "Malformed JSON, wrong types, unknown fields or query parameters, invalid values.",
    "401": "No token, an unknown token, or a revoked one.",
    "403": "The token lacks the scope this needs.",
    "404": "Not found in the token's organization.",
    "405": "Method not allowed.",
    "406": "Only application/json responses are offered.",
    "429": "Throttled: see Retry-After.",
}
WITH_BODY = {
    "413": "The body is larger than API_MAX_BODY_BYTES.",
    "415": "The body must be application/json.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            errors = dict(COMMON)
            if method in ("post", "put", "patch"):
                errors.update(WITH_BODY)
            for code, description in errors.items():
                operation["responses"].setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
            # An error a view documents itself (e.g. 409) has the same body.
            for code, response in operation["responses"].items():
                if str(code).startswith("4") and "content" not in response:
                    response["content"] = {"application/json": {"schema": ref}}
    return result
