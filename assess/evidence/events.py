"""The code playback's event vocabulary (format in `evidence.playback`), with no Django, so
the replay, the summary and the simulated sessions of the benchmark share it."""

from __future__ import annotations

import json

OPENED, EDIT, PASTE, BLUR, FOCUS, RUN, CAPPED = "o", "e", "p", "b", "f", "r", "x"
PASTE_SOURCES = ("page", "outside")
# Per answer, all its openings together. A 90-minute session of continuous honest typing
# and rewriting stores about 420 KB (`python -m assess.bench.integrity_sessions`); beyond
# the bound one "x" marker is stored and the rest of the answer is not recorded (its final
# code still is).
MAX_BYTES_PER_ANSWER = 512 * 1024


def events_bytes(events: list[list]) -> int:
    """What a list of events costs in storage: its compact JSON in UTF-8 (the bound per
    answer counts this)."""
    return len(json.dumps(events, separators=(",", ":"), ensure_ascii=False).encode())
