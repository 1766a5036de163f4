"""The strict JSON parser and text checks every entry point uses."""

import json

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from assess.strictinput import (
    MAX_JSON_DEPTH,
    InputRejected,
    check_single_line,
    parse_json,
    parse_json_object,
    validate_single_line,
    validate_storable_text,
)


@pytest.mark.parametrize(
    "body, reason",
    [
        (b'{"revision": NaN}', "NaN is not a number"),
        (b'{"revision": Infinity}', "Infinity is not a number"),
        (b'{"revision": -Infinity}', "-Infinity is not a number"),
        (b'{"revision": 1e400}', "too large"),
        (b'{"revision": -1e400}', "too large"),
        (b'{"revision": 9007199254740993}', "too large"),
        (b'{"revision": ' + b"9" * 5000 + b"}", "too large"),
        (b'{"response": "a\\u0000b"}', "NUL"),
        (b'{"response": "\\ud800"}', "unpaired UTF-16 surrogate"),
        (b'{"k\\udfff": 1}', "unpaired UTF-16 surrogate"),
        (b'{"response": "\xed\xa0\x80"}', "not UTF-8"),
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "nested deeper"),
        (b"[" * 100_000, "nested deeper"),
        (b'{"a": ', "not valid JSON"),
    ],
)
def test_hostile_json_is_refused_with_a_reason(body, reason):
    with pytest.raises(InputRejected, match=reason) as refused:
        parse_json(body)
    assert refused.value.status == 400


def test_ordinary_json_is_read_unchanged():
    body = {
        "revision": 3,
        "response": "def f(x):\n    return x  # µ, ∑, 😀",
        "choices": [0, 2],
        "value": -1.5e-7,
        "nested": [[[[["ok"]]]]],
    }
    assert parse_json(json.dumps(body).encode()) == body
    # Brackets inside strings are text, not nesting.
    assert parse_json('{"code": "' + "[" * 50 + '"}') == {"code": "[" * 50}
    assert parse_json('"\\ud83d\\ude00"') == "😀"  # a surrogate pair is one character


def test_an_object_is_required_where_one_is_expected():
    with pytest.raises(InputRejected, match="JSON object"):
        parse_json_object(b"[1, 2]")


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    )
)
def test_anything_is_either_parsed_or_refused_never_crashes(value):
    try:
        body = json.dumps(value)
    except ValueError:
        return
    try:
        parsed = parse_json(body)
    except InputRejected:
        return
    assert json.dumps(parsed) == json.dumps(json.loads(body))


@pytest.mark.parametrize("title", ["Senior\nengineer", "Title\r\nBcc: x@evil", "a\u2028b", "x\x00"])
def test_titles_and_subjects_are_single_lines(title):
    with pytest.raises(InputRejected):
        check_single_line(title, field="the title")
    with pytest.raises(ValidationError):
        validate_single_line(title)


def test_the_field_validator_refuses_nul_and_lone_surrogates():
    validate_storable_text("fine\ttext\nwith lines")
    for bad in ("a\x00", "b\udc00"):
        with pytest.raises(ValidationError):
            validate_storable_text(bad)
