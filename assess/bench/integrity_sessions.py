"""Simulated coding sessions through the integrity summary: how often each kind of session
gets "review suggested", and what a long session's playback costs in storage.

    .venv/bin/python -m assess.bench.integrity_sessions [--sessions 200] [--seed 0]

Kinds (each seeded, so a run is reproducible): honest typing with thinking pauses,
corrections, page copies, a small outside paste now and then and sample runs; a whole
answer pasted from outside; an answer pasted in pieces with some typing between;
a memorized answer typed at a steady pace; an agent typing at machine-regular intervals.
The thresholds in assess/evidence/summary.py were chosen from this table (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter

from assess.evidence.events import (
    BLUR,
    EDIT,
    FOCUS,
    MAX_BYTES_PER_ANSWER,
    OPENED,
    PASTE,
    RUN,
    events_bytes,
)
from assess.evidence.replay import replay
from assess.evidence.summary import NO, NOT_ENOUGH, YES, answer_summary

STARTER = "import numpy as np\n\n\ndef layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):\n    raise NotImplementedError\n"
ANSWER = '''import numpy as np


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    """Layer norm over the trailing dims named by normalized_shape."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=axes, keepdims=True)
    var = x64.var(axis=axes, keepdims=True)
    out = (x64 - mean) / np.sqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out.astype(x.dtype)
'''
SIGNATURE = "def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):"


class Session:
    """Builds one answer's events as the recorder would (one opening)."""

    def __init__(self, rng: random.Random):
        self.rng, self.t, self.text = rng, 0, ""
        self.events: list[list] = [[OPENED, 0, STARTER]]
        self.text = STARTER
        self.wait(rng.uniform(5_000, 60_000))  # reading the statement

    def wait(self, ms: float) -> None:
        self.t += max(1, int(ms))

    def edit(self, pos: int, removed: int, inserted: str) -> None:
        self.events.append([EDIT, self.t, pos, removed, inserted])
        self.text = self.text[:pos] + inserted + self.text[pos + removed :]

    def clear(self) -> None:
        self.edit(0, len(self.text), "")

    def paste(self, text: str, source: str = "outside") -> None:
        self.events.append([PASTE, self.t, len(text), source, text])
        self.edit(len(self.text), 0, text)

    def type(self, text: str, gap, *, typo_rate: float = 0.0, pause_rate: float = 0.0) -> None:
        for ch in text:
            if typo_rate and self.rng.random() < typo_rate:
                self.wait(gap())
                self.edit(len(self.text), 0, self.rng.choice("asdfjkl;"))
                self.wait(gap() * 2)
                self.edit(len(self.text) - 1, 1, "")
            if pause_rate and ch == "\n" and self.rng.random() < pause_rate:
                self.wait(self.rng.uniform(3_000, 40_000))
            self.wait(gap())
            self.edit(len(self.text), 0, ch)

    def away(self) -> None:
        self.events.append([BLUR, self.t])
        self.wait(self.rng.uniform(2_000, 60_000))
        self.events.append([FOCUS, self.t])

    def run(self) -> None:
        self.wait(self.rng.uniform(500, 3_000))
        self.events.append([RUN, self.t, self.rng.randint(1, 10**6)])
        self.wait(self.rng.uniform(3_000, 15_000))


def human_gap(rng: random.Random, median_ms: float, sigma: float):
    return lambda: rng.lognormvariate(0, sigma) * median_ms


def honest(rng: random.Random, minutes: float = 0) -> Session:
    s = Session(rng)
    s.clear()
    if rng.random() < 0.5:  # the signature copied from the statement
        s.paste(SIGNATURE + "\n", source="page")
        body = ANSWER.split(SIGNATURE + "\n", 1)[1]
    else:
        body = ANSWER
    gap = human_gap(rng, rng.uniform(120, 260), rng.uniform(0.5, 0.9))
    lines = body.splitlines(keepends=True)
    for i, line in enumerate(lines):
        s.type(line, gap, typo_rate=0.04, pause_rate=0.3)
        if rng.random() < 0.08:
            s.away()  # the docs in another tab
        if rng.random() < 0.05:  # a line from their own notes
            s.paste("# keepdims so it broadcasts\n")
        if i and i % 6 == 0 and rng.random() < 0.5:
            s.run()
    while s.t < minutes * 60_000:  # a long session: rewrite the body, run again
        start = s.text.find("    if isinstance")
        if start < 0:
            break
        s.edit(start, len(s.text) - start, "")
        s.type(ANSWER[ANSWER.find("    if isinstance") :], gap, typo_rate=0.05, pause_rate=0.3)
        s.run()
    s.run()
    return s


def whole_paste(rng: random.Random) -> Session:
    s = Session(rng)
    s.away()
    s.clear()
    s.paste(ANSWER)
    if rng.random() < 0.5:
        s.wait(rng.uniform(2_000, 20_000))
        s.type("\n", human_gap(rng, 200, 0.6))
    s.run()
    return s


def pasted_pieces(rng: random.Random) -> Session:
    s = Session(rng)
    s.clear()
    lines = ANSWER.splitlines(keepends=True)
    cuts = sorted(rng.sample(range(1, len(lines)), rng.randint(2, 5)))
    gap = human_gap(rng, 200, 0.7)
    for start, end in zip([0, *cuts], [*cuts, len(lines)], strict=True):
        if rng.random() < 0.7:
            s.away()
            s.paste("".join(lines[start:end]))
        else:
            s.type("".join(lines[start:end]), gap, typo_rate=0.03)
        s.wait(rng.uniform(1_000, 20_000))
    s.run()
    return s


def memorized(rng: random.Random) -> Session:
    s = Session(rng)
    s.clear()
    s.type(ANSWER, human_gap(rng, rng.uniform(110, 180), rng.uniform(0.25, 0.4)), typo_rate=0.01)
    s.run()
    return s


def agent(rng: random.Random) -> Session:
    s = Session(rng)
    s.clear()
    interval = rng.uniform(30, 120)
    s.type(ANSWER, lambda: interval * rng.uniform(0.9, 1.1))
    s.run()
    return s


KINDS = {
    "honest": honest,
    "whole paste": whole_paste,
    "pasted in pieces": pasted_pieces,
    "memorized, steady": memorized,
    "agent, regular": agent,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sessions", type=int, default=200, help="per kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--long-minutes", type=float, default=90, help="the long session")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 100_000:
        parser.error("--sessions is 1 to 100000")
    print(f"{'kind':<20} {'sessions':>8} {'yes':>7} {'no':>7} {'not enough':>11}  bytes (median)")
    started = time.perf_counter()
    for name, make in KINDS.items():
        rng = random.Random(f"{args.seed}-{name}")
        counts: Counter[str] = Counter()
        sizes = []
        for _ in range(args.sessions):
            session = make(rng)
            counts[answer_summary(replay([(0, session.events)])).suggested] += 1
            sizes.append(events_bytes(session.events))
        n = args.sessions
        print(
            f"{name:<20} {n:>8} {counts[YES] / n:>7.1%} {counts[NO] / n:>7.1%} "
            f"{counts[NOT_ENOUGH] / n:>11.1%}  {statistics.median(sizes):>8.0f}"
        )
    rng = random.Random(f"{args.seed}-long")
    long = honest(rng, minutes=args.long_minutes)
    minutes = long.events[-1][1] / 60_000
    print(
        f"long honest session: {minutes:.0f} min, {len(long.events)} events, "
        f"{events_bytes(long.events)} bytes stored (bound {MAX_BYTES_PER_ANSWER})"
    )
    print(f"simulated in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
