"""The code playback: what the candidate's editor records (assess/static/assess/
playback_recorder.js) and sends with each autosave, checked strictly and stored bounded.

A batch is `{"session": "<hex>", "seq": n, "events": [...]}`, sent as JSON text inside the
autosave's JSON (so a batch the strict parser refuses, with a NaN or too deep, is refused
alone and the answer it came with is still saved). `session` names one opening
of the question (a page load), `seq` counts that page's batches, and each event is a short
array whose second item `t` is milliseconds since the opening:

    ["o", t, text]                   the editor's text when the question opened
    ["e", t, pos, removed, inserted] an edit: at offset `pos`, `removed` characters
                                     replaced by the text `inserted`
    ["p", t, size, source, text]     a paste of `size` characters; `source` is "page" when
                                     the text was copied on the test's page, else "outside";
                                     `text` is its first MAX_PASTE_TEXT characters
    ["b", t] / ["f", t]              the page lost / got back the focus
    ["r", t, submission_id]          a sample run (0 when the run was refused)
    ["x", t]                         written by the server only: the bound was reached

Offsets count UTF-16 code units, as the browser does (the player replays in the browser);
the server's own replay (`final_text`) counts code points, which differ only past U+FFFF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from assess.attempts.models import Answer
from assess.strictinput import InputRejected, parse_json, text_problem
from quizzes.errors import UserError
from quizzes.models import Kind

from .events import (
    BLUR,
    CAPPED,
    EDIT,
    FOCUS,
    MAX_BYTES_PER_ANSWER,
    OPENED,
    PASTE,
    PASTE_SOURCES,
    RUN,
    events_bytes,
)
from .models import PlaybackChunk, PlaybackLog

MAX_EVENTS_PER_BATCH = 2000
# The autosave's body may be this much larger than an answer alone (attempts.views).
MAX_BATCH_BYTES = 128 * 1024
# Its JSON text, as sent: escapes make it longer than the stored form.
MAX_BATCH_TEXT = MAX_BATCH_BYTES * 3 // 2
MAX_TEXT = 64 * 1024  # characters: above the grader's limit on a source (64 KB)
MAX_PASTE_TEXT = 20_000
MAX_T_MS = 24 * 3600 * 1000
MAX_SEQ = 1_000_000
_SESSION = re.compile(r"[0-9a-f]{8,32}")


class PlaybackRejected(UserError):
    """A playback batch the server refuses; the answer it came with is still saved."""


@dataclass(frozen=True)
class PlaybackBatch:
    session: str
    seq: int
    events: list[list]
    size: int

    @property
    def first_t(self) -> int:
        return self.events[0][1]

    @property
    def last_t(self) -> int:
        return self.events[-1][1]


def _int(value: Any, what: str, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= high:
        raise PlaybackRejected(f"{what} must be a whole number from 0 to {high}.")
    return value


def _text(value: Any, what: str, high: int) -> str:
    if not isinstance(value, str):
        raise PlaybackRejected(f"{what} must be text.")
    if len(value) > high:
        raise PlaybackRejected(f"{what} is longer than {high} characters.")
    problem = text_problem(value)
    if problem is not None:
        raise PlaybackRejected(f"{what} {problem}.")
    return value


# The number of items after the kind and `t`, per kind; the client never sends "x".
_ARITY = {OPENED: 1, EDIT: 3, PASTE: 3, BLUR: 0, FOCUS: 0, RUN: 1}


def _event(raw: Any, index: int) -> list:
    where = f"Playback event {index + 1}"
    if not isinstance(raw, list) or not raw or raw[0] not in _ARITY:
        raise PlaybackRejected(f"{where} is not a known event.")
    kind = raw[0]
    if len(raw) != 2 + _ARITY[kind]:
        raise PlaybackRejected(f"{where} has the wrong number of items.")
    t = _int(raw[1], f"{where}'s time", MAX_T_MS)
    if kind == OPENED:
        return [kind, t, _text(raw[2], f"{where}'s text", MAX_TEXT)]
    if kind == EDIT:
        pos = _int(raw[2], f"{where}'s position", MAX_TEXT)
        removed = _int(raw[3], f"{where}'s removed length", MAX_TEXT)
        return [kind, t, pos, removed, _text(raw[4], f"{where}'s text", MAX_TEXT)]
    if kind == PASTE:
        size = _int(raw[2], f"{where}'s size", 10 * MAX_TEXT)
        if raw[3] not in PASTE_SOURCES:
            raise PlaybackRejected(f"{where}'s source is 'page' or 'outside'.")
        text = _text(raw[4], f"{where}'s text", MAX_PASTE_TEXT)
        if len(text) > size:
            raise PlaybackRejected(f"{where}'s text is longer than its size.")
        return [kind, t, size, raw[3], text]
    if kind == RUN:
        return [kind, t, _int(raw[2], f"{where}'s run", 2**53 - 1)]
    return [kind, t]


def playback_batch_parse(text: Any) -> PlaybackBatch:
    """The checked batch from its JSON text, or PlaybackRejected saying what is wrong."""
    if not isinstance(text, str):
        raise PlaybackRejected("The playback is sent as JSON text.")
    if len(text) > MAX_BATCH_TEXT:
        raise PlaybackRejected(f"A playback batch holds at most {MAX_BATCH_BYTES} bytes.")
    try:
        # Three levels: the batch, its events, each event.
        raw = parse_json(text, max_depth=3)
    except InputRejected as refused:
        raise PlaybackRejected(f"The playback is not accepted: {refused.message}") from None
    if not isinstance(raw, dict) or set(raw) != {"session", "seq", "events"}:
        raise PlaybackRejected("The playback is an object with session, seq and events.")
    session = raw["session"]
    if not isinstance(session, str) or not _SESSION.fullmatch(session):
        raise PlaybackRejected("The playback's session is 8 to 32 lowercase hex digits.")
    seq = _int(raw["seq"], "The playback's seq", MAX_SEQ)
    events = raw["events"]
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_EVENTS_PER_BATCH:
        raise PlaybackRejected(f"Send 1 to {MAX_EVENTS_PER_BATCH} playback events.")
    clean = [_event(event, i) for i, event in enumerate(events)]
    for i, (before, after) in enumerate(zip(clean, clean[1:], strict=False)):
        if after[1] < before[1]:
            raise PlaybackRejected(f"Playback event {i + 2} is earlier than the one before.")
    if any(event[0] == OPENED for event in clean[1:]):
        raise PlaybackRejected("Only a batch's first event may be the opening text.")
    size = events_bytes(clean)
    if size > MAX_BATCH_BYTES:
        raise PlaybackRejected(f"A playback batch holds at most {MAX_BATCH_BYTES} bytes.")
    return PlaybackBatch(session, seq, clean, size)


def playback_record(answer: Answer, batch: PlaybackBatch, *, now: datetime | None = None) -> str:
    """Store `batch` for `answer` (saved just before, in an open attempt). Returns "stored",
    "duplicate" (this seq was stored already: a retry whose reply was lost) or "capped"
    (the answer's bound is reached: the page stops recording). PlaybackRejected for a
    batch out of order with what is stored or for an answer that is not code."""
    now = now or timezone.now()
    if answer.question_version.content["kind"] != Kind.CODING:
        raise PlaybackRejected("Only a coding answer has a playback.")
    with transaction.atomic():
        PlaybackLog.objects.get_or_create(answer=answer)
        log = PlaybackLog.objects.select_for_update().get(answer=answer)
        last = log.chunks.filter(session=batch.session).order_by("-seq").first()
        if last is not None:
            if batch.seq == last.seq:
                return "duplicate"
            if batch.seq < last.seq:
                raise PlaybackRejected("This playback batch is older than one already stored.")
            if batch.first_t < last.last_t:
                raise PlaybackRejected("This playback batch starts before the last one ended.")
            if batch.events[0][0] == OPENED:
                raise PlaybackRejected("The opening text comes only in a page's first batch.")
        if log.capped:
            return "capped"
        chunk = PlaybackChunk(
            log=log,
            session=batch.session,
            seq=batch.seq,
            first_t=batch.first_t,
            last_t=batch.last_t,
            received_at=now,
            events=batch.events,
            size=batch.size,
        )
        outcome = "stored"
        if log.bytes_stored + batch.size > MAX_BYTES_PER_ANSWER:
            chunk.events, chunk.size, chunk.last_t = [[CAPPED, batch.first_t]], 8, batch.first_t
            log.capped, outcome = True, "capped"
        chunk.save()
        log.bytes_stored += chunk.size
        log.updated_at = now
        log.save(update_fields=["bytes_stored", "capped", "updated_at"])
    return outcome
