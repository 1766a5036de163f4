"""The shape of a stored response, per question kind: what an attempt's autosave accepts.
Scoring it is `quizzes.questions.score_response`."""

from __future__ import annotations

from typing import Any

from .errors import ResponseInvalid
from .models import CHOICE_KINDS, Kind

WRITTEN_MAX_CHARS = 20_000


NUMERIC_MAX_CHARS = 64


def response_clean(content: dict, response: Any, *, source_bytes: int) -> Any:
    """The response as stored for a question version's `content`, or `ResponseInvalid`
    (its message is for the candidate). Only the shape is checked here; correctness is
    `questions.score_response`. `source_bytes` caps a coding answer (the grader's limit)."""
    kind = content["kind"]
    if response in (None, "", []):
        return None
    if kind in CHOICE_KINDS:
        items = response if isinstance(response, list) else [response]
        try:
            picked = sorted({int(item) for item in items})
        except (TypeError, ValueError):
            raise ResponseInvalid("Unknown choice.") from None
        if any(not 0 <= i < len(content["choices"]) for i in picked):
            raise ResponseInvalid("Unknown choice.")
        if kind == Kind.SINGLE_CHOICE:
            if len(picked) != 1:
                raise ResponseInvalid("Choose one answer.")
            return picked[0]
        return picked
    if not isinstance(response, str):
        raise ResponseInvalid("The answer must be text.")
    if kind == Kind.NUMERIC:
        if len(response) > NUMERIC_MAX_CHARS:
            raise ResponseInvalid(f"A number has at most {NUMERIC_MAX_CHARS} characters.")
        return response.strip() or None
    if kind == Kind.WRITTEN:
        words = len(response.split())
        if words > content["max_words"] or len(response) > WRITTEN_MAX_CHARS:
            raise ResponseInvalid(
                f"Your answer has {words} words; the limit is {content['max_words']}."
            )
        return response
    if kind == Kind.CODING:
        if len(response.encode("utf-8", "surrogatepass")) > source_bytes:
            raise ResponseInvalid(f"The code is larger than {source_bytes // 1024} KiB.")
        return response
    raise ResponseInvalid("This question takes no answer.")
