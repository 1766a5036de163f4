"""Strict input: the one JSON parser every JSON entry point uses, and the text checks.

A value the database or a mail header cannot hold must be refused at the door with a clear
4xx, not discovered as a 500 by PostgreSQL (jsonb and text refuse NUL; UTF-8 cannot encode a
lone surrogate) or by the mail library (a newline in a header). Python's `json` accepts
all of these: `NaN`, `Infinity`, `1e400` (read as infinity), integers of thousands of
digits, nesting until the interpreter's recursion limit, `"\\u0000"` and `"\\ud800"`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from django.core.exceptions import ValidationError

from quizzes.errors import UserError

# Deep enough for every body we accept (an integrity batch is 3 levels, an API body 4).
MAX_JSON_DEPTH = 8
# Integers beyond what a JavaScript client (and a 64-bit column) can represent exactly.
MAX_JSON_INTEGER = 2**53 - 1

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


class InputRejected(UserError, ValueError):
    """A request body or field the platform refuses, with a message for the sender (a
    ValueError too, as parsers' callers expect of a value they cannot read)."""


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored (a NUL or a lone surrogate), or None when it can."""
    match = _UNSTORABLE.search(value)
    if match is None:
        return None
    if match.group() == "\x00":
        return "contains a NUL character"
    return "contains an unpaired UTF-16 surrogate (not valid Unicode text)"


def check_text(value: str, *, field: str = "the text") -> str:
    """`value` unchanged, or InputRejected naming the field."""
    problem = text_problem(value)
    if problem is not None:
        raise InputRejected(f"{field} {problem}.")
    return value


def check_single_line(value: str, *, field: str = "the text") -> str:
    """`value` unchanged when it holds no line break (it goes into a mail header or a title)."""
    check_text(value, field=field)
    if _LINE_BREAKS.search(value):
        raise InputRejected(f"{field} must be a single line (no line breaks).")
    return value


def validate_storable_text(value: str) -> None:
    """Django/DRF validator: refuses NUL and lone surrogates."""
    problem = text_problem(value)
    if problem is not None:
        raise ValidationError(f"This field {problem}.", code="unstorable_text")


def validate_single_line(value: str) -> None:
    """Django/DRF validator for titles and subjects: one line of storable text."""
    validate_storable_text(value)
    if _LINE_BREAKS.search(value):
        raise ValidationError("This field must be a single line.", code="line_break")


def _refuse_constant(name: str):
    raise InputRejected(f"{name} is not a number JSON allows.")


def _parse_float(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value):
        raise InputRejected(f"the number {raw[:40]} is too large.")
    return value


def _parse_int(raw: str) -> int:
    if len(raw.lstrip("-")) > 16:
        raise InputRejected(f"the integer {raw[:40]}... is too large.")
    value = int(raw)
    if abs(value) > MAX_JSON_INTEGER:
        raise InputRejected(f"the integer {raw} is too large.")
    return value


def _check_depth(text: str, max_depth: int) -> None:
    """Refuse nesting deeper than `max_depth` before parsing (the parser recurses)."""
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > max_depth:
                raise InputRejected(f"the JSON is nested deeper than {max_depth} levels.")
        elif ch in "]}":
            depth -= 1


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                raise InputRejected(f"a text value {problem}.")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def parse_json(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON value of `raw`, or InputRejected (a 400) when it is not valid UTF-8 JSON, uses
    NaN/Infinity or a number that overflows, nests deeper than `max_depth`, or holds a
    string with a NUL or a lone surrogate."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputRejected("the body is not UTF-8 text.") from None
    else:
        text = raw
    _check_depth(text, max_depth)
    try:
        value = json.loads(
            text, parse_constant=_refuse_constant, parse_float=_parse_float, parse_int=_parse_int
        )
    except InputRejected:
        raise
    except (ValueError, RecursionError) as exc:
        raise InputRejected(f"the body is not valid JSON ({exc}).") from None
    _check_strings(value)
    return value


def parse_json_object(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> dict:
    """`parse_json`, for bodies that must be a JSON object."""
    value = parse_json(raw, max_depth=max_depth)
    if not isinstance(value, dict):
        raise InputRejected("the body must be a JSON object.")
    return value
