"""Replaying a playback's events on the server, for the summary: the text at the end and,
for each character of it, how it arrived (typed, pasted from this page, pasted from
outside). Pure functions over the stored event lists; no database."""

from __future__ import annotations

from dataclasses import dataclass, field

from .events import BLUR, CAPPED, EDIT, OPENED, PASTE, RUN

TYPED, PAGE, OUTSIDE, START = "typed", "page", "outside", "start"
# An edit belongs to the paste just recorded when it comes within this many ms of it and
# inserts text of the pasted length (Ace may re-indent a paste, the length rarely changes
# by more than the indentation).
PASTE_MATCH_MS = 1000


@dataclass
class Paste:
    t: int  # ms on the answer's timeline
    size: int
    source: str
    text: str


@dataclass
class Replay:
    """What happened in an answer, on one timeline (ms since the first opening)."""

    text: str = ""
    origins: list[str] = field(default_factory=list)  # one per character of `text`
    pastes: list[Paste] = field(default_factory=list)
    keystroke_gaps: list[int] = field(default_factory=list)  # ms between one-character inserts
    edits: int = 0
    deletions: int = 0
    typed_chars: int = 0
    focus_losses: int = 0
    runs: list[tuple[int, int]] = field(default_factory=list)  # (t, submission id)
    capped: bool = False
    end_t: int = 0


def replay(sessions: list[tuple[int, list[list]]]) -> Replay:
    """`sessions`: (offset ms of the opening on the answer's timeline, its events in order),
    in the order of their openings. An opening's text replaces the text so far (it is what
    the editor showed); an edit that does not fit the text is clipped, not trusted."""
    out = Replay()
    last_insert_t: int | None = None
    for offset, events in sessions:
        pending_paste: Paste | None = None
        for event in events:
            kind, t = event[0], offset + event[1]
            out.end_t = max(out.end_t, t)
            if kind == OPENED:
                out.text, out.origins = event[2], [START] * len(event[2])
                last_insert_t = None
            elif kind == PASTE:
                pending_paste = Paste(t, event[2], event[3], event[4])
                out.pastes.append(pending_paste)
            elif kind == EDIT:
                pos = min(event[2], len(out.text))
                removed = min(event[3], len(out.text) - pos)
                inserted = event[4]
                origin = TYPED
                if (
                    pending_paste is not None
                    and inserted
                    and t - pending_paste.t <= PASTE_MATCH_MS
                    and abs(len(inserted) - pending_paste.size) <= max(8, pending_paste.size // 10)
                ):
                    origin = OUTSIDE if pending_paste.source == OUTSIDE else PAGE
                    pending_paste = None
                out.text = out.text[:pos] + inserted + out.text[pos + removed :]
                out.origins[pos : pos + removed] = [origin] * len(inserted)
                out.edits += 1
                if removed:
                    out.deletions += 1
                if origin == TYPED and inserted:
                    out.typed_chars += len(inserted)
                    if len(inserted) == 1:
                        if last_insert_t is not None:
                            out.keystroke_gaps.append(t - last_insert_t)
                        last_insert_t = t
            elif kind == BLUR:
                out.focus_losses += 1
                last_insert_t = None  # a pause away is no keystroke gap
            elif kind == RUN:
                out.runs.append((t, event[2]))
            elif kind == CAPPED:
                out.capped = True
    return out


def share_of(origins: list[str], text: str, origin: str) -> tuple[int, int]:
    """(characters of `origin`, all characters) of the text, whitespace left out."""
    counted = [o for o, ch in zip(origins, text, strict=False) if not ch.isspace()]
    return sum(1 for o in counted if o == origin), len(counted)


def lines_of(origins: list[str], text: str, origin: str) -> tuple[int, int]:
    """(non-blank lines mostly of `origin`, non-blank lines)."""
    lines, start, mostly = 0, 0, 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip():
            lines += 1
            own = [o for o, ch in zip(origins[start:end], line, strict=False) if not ch.isspace()]
            if own and sum(1 for o in own if o == origin) * 2 > len(own):
                mostly += 1
        start = end + 1
    return mostly, lines
