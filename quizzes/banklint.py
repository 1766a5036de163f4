"""The bank linter: answer cues a test-wise candidate could use without knowing anything.

`lint_bank` looks at a validated bank (`bankfiles.read_bank`) and returns the key-length
statistics per pool, kind and level, and every item that names a choice by its position
(the choices are shuffled per candidate), carries a lone-hedge or absolute-word cue, whose
key alone echoes the stem (or whose distractors alone do), whose key is far longer than
every distractor, that a junior pattern guess answers, that repeats another's stem without
an exclusion, that resembles an item of the other pool, or that has no real explanation.
Thresholds: docs/bank.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .bankoverlap import (
    Finding,
    content_words,
    cross_pool_findings,
    duplicate_findings,
    group_findings,
)
from .bankvalidate import BankQuestion
from .models import BANK_POOLS, CHOICE_KINDS, Kind, Level

# How far above its chance rate the "key is the longest option" share may go, and the
# "key is the shortest option" share (a writer who over-corrects the first makes the second).
LENGTH_EXCESS_PER_KIND = 0.10
LENGTH_EXCESS_PER_LEVEL = 0.20
# Fewer items than this in a kind and level: the share is shown, not judged.
MIN_ITEMS_JUDGED = 10
# The key may be the shortest option less often than chance (the over-correction of long
# keys) by at most this much, per pool and kind.
SHORTEST_SHORTFALL_PER_KIND = 0.05
# A key this many times as long as the longest distractor (and LONG_KEY_MIN_CHARS longer)
# is picked by length alone.
LONG_KEY_RATIO = 1.5
LONG_KEY_MIN_CHARS = 25
# A junior item is "answerable by pattern" when the pattern guess (`pattern_guess`) picks its
# key alone; at most this share of a pool's junior single-choice items may be.
PATTERN_EXCESS = 0.10
MIN_EXPLANATION_CHARS = 40

_ORDINAL = r"(?:first|second|third|fourth|fifth|sixth|last|final|top|bottom|middle|former|latter)"
_OPTION = r"(?:options?|choices?|answers?|alternatives?|ones?|statements?)"
POSITION_PATTERNS = (
    re.compile(rf"\b{_ORDINAL}\s+(?:two\s+|three\s+)?{_OPTION}\b", re.IGNORECASE),
    re.compile(r"\b(?i:option|choice|answer)\s+(?:[A-H]|[1-8])\b(?![.\d])"),
    # "the second is ...", "the last one": an ordinal standing for a choice.
    re.compile(rf"\bthe\s+{_ORDINAL}(?:\s+(?:is|was|ones?)\b|\s*[;:)]|\.\s)", re.IGNORECASE),
    re.compile(rf"\b{_OPTION}\s+(?:above|below)\b", re.IGNORECASE),
    re.compile(r"\b(?:all|none|both)\s+of\s+the\s+above\b", re.IGNORECASE),
)
ABSOLUTE_WORDS = re.compile(
    r"\b(?:always|never|only|all|none|every|must|cannot|can't|impossible|guarantee[sd]?|"
    r"entirely|completely|any)\b",
    re.IGNORECASE,
)
HEDGED_WORDS = re.compile(
    r"\b(?:can|may|might|often|usually|typically|sometimes|tends?|generally|likely|"
    r"mostly|some|could|partly)\b(?!['’]t)",  # "can't" is an absolute
    re.IGNORECASE,
)


@dataclass
class LengthRow:
    pool: str
    kind: str
    level: str  # "all" for the kind as a whole
    items: int
    key_longest: float  # single: share whose key is the longest; multiple: share of longest keyed
    key_shortest: float  # the same for the shortest option
    base_rate: float
    limit: float | None  # None: too few items to judge

    @property
    def excess(self) -> float:
        """The larger of the two cues' distance above the base rate."""
        return max(self.key_longest, self.key_shortest) - self.base_rate

    @property
    def cue(self) -> str:
        return "longest" if self.key_longest >= self.key_shortest else "shortest"

    @property
    def shortfall(self) -> float:
        """How far below its chance rate the key is the shortest option."""
        return self.base_rate - self.key_shortest

    @property
    def short_key_avoided(self) -> bool:
        return (
            self.level == "all"
            and self.limit is not None
            and (self.shortfall > SHORTEST_SHORTFALL_PER_KIND)
        )

    @property
    def failed(self) -> bool:
        return self.limit is not None and self.excess > self.limit or self.short_key_avoided


@dataclass
class LintReport:
    questions: int
    length_rows: list[LengthRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    pattern_rows: list[PatternRow] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        failed = [
            f"key length: {row.pool} {row.kind} {row.level}: the {row.cue} option is keyed "
            f"{max(row.key_longest, row.key_shortest):.2f} against a base rate of "
            f"{row.base_rate:.2f} (allowed +{row.limit:.2f})"
            for row in self.length_rows
            if row.limit is not None and row.excess > row.limit
        ]
        failed += [
            f"key length: {row.pool} {row.kind}: the shortest option is keyed "
            f"{row.key_shortest:.2f}, below the base rate of {row.base_rate:.2f} "
            f"(allowed -{SHORTEST_SHORTFALL_PER_KIND:.2f}): long keys were over-corrected"
            for row in self.length_rows
            if row.short_key_avoided
        ]
        failed += [
            f"pattern: {row.pool} junior single choice: the pattern guess answers "
            f"{row.share:.2f} against a base rate of {row.base_rate:.2f} "
            f"(allowed +{PATTERN_EXCESS:.2f})"
            for row in self.pattern_rows
            if row.failed
        ]
        return failed + [f"{f.check}: {f.key}: {f.detail}" for f in self.findings]

    @property
    def ok(self) -> bool:
        return not self.failures


def _length_shares(choices: Sequence[dict]) -> tuple[float, float, float]:
    """(keyed share of the longest options, of the shortest, of all options) for one item;
    ties share the credit, as a tie-breaking guess would."""
    lengths = [len(c["text"].strip()) for c in choices]

    def keyed_share(extreme: int) -> float:
        picked = [c for c, n in zip(choices, lengths, strict=True) if n == extreme]
        return sum(c["correct"] for c in picked) / len(picked)

    base = sum(c["correct"] for c in choices) / len(choices)
    return keyed_share(max(lengths)), keyed_share(min(lengths)), base


def length_statistics(questions: Sequence[BankQuestion]) -> list[LengthRow]:
    """Per pool and choice kind, then per kind and level: how often the longest and the
    shortest option is keyed, against the share of keyed options (1/k for single choice).
    Each pool is judged on its own: practice items cannot hide a hiring pool's cue."""
    rows = []
    for pool, kind in ((pool, kind) for pool in BANK_POOLS for kind in CHOICE_KINDS):
        items = [q for q in questions if q.kind == kind and q.pool == pool]
        for level in ("all", *Level.values):
            group = items if level == "all" else [q for q in items if q.level == level]
            if not group:
                continue
            shares = [_length_shares(q.content["choices"]) for q in group]
            limit = LENGTH_EXCESS_PER_KIND if level == "all" else LENGTH_EXCESS_PER_LEVEL
            rows.append(
                LengthRow(
                    pool=pool,
                    kind=kind,
                    level=level,
                    items=len(group),
                    key_longest=sum(s[0] for s in shares) / len(group),
                    key_shortest=sum(s[1] for s in shares) / len(group),
                    base_rate=sum(s[2] for s in shares) / len(group),
                    limit=limit if len(group) >= MIN_ITEMS_JUDGED else None,
                )
            )
    return rows


def position_findings(questions: Sequence[BankQuestion]) -> list[Finding]:
    """Explanations (or choices) that point at a position: choices are shuffled."""
    found = []
    for q in questions:
        if q.kind not in CHOICE_KINDS:
            continue
        texts = [("explanation", q.content["explanation"])]
        texts += [("a choice", c["text"]) for c in q.content["choices"]]
        for where, text in texts:
            for pattern in POSITION_PATTERNS:
                match = pattern.search(text)
                if match:
                    found.append(Finding("position", q.key, f"{where} says {match.group(0)!r}"))
                    break
    return found


def hedge_findings(questions: Sequence[BankQuestion]) -> list[Finding]:
    """Items whose hedged options ("can", "may", "often") are exactly the keyed ones while
    at least two distractors speak in absolutes ("always", "never", "only")."""
    found = []
    for q in questions:
        if q.kind not in CHOICE_KINDS:
            continue
        choices = q.content["choices"]
        hedged = {i for i, c in enumerate(choices) if HEDGED_WORDS.search(c["text"])}
        keyed = {i for i, c in enumerate(choices) if c["correct"]}
        absolute_distractors = [
            i
            for i, c in enumerate(choices)
            if not c["correct"] and ABSOLUTE_WORDS.search(c["text"]) and i not in hedged
        ]
        if hedged and hedged == keyed and len(absolute_distractors) >= 2:
            found.append(
                Finding(
                    "hedge",
                    q.key,
                    f"only the keyed option(s) hedge, {len(absolute_distractors)} distractors "
                    "speak in absolutes",
                )
            )
    return found


def absolute_findings(questions: Sequence[BankQuestion]) -> list[Finding]:
    """Items where two or more distractors speak in absolutes ("always", "never", "only")
    and no keyed option does: "avoid the absolute" answers them without knowledge."""
    found = []
    for q in questions:
        if q.kind not in CHOICE_KINDS:
            continue
        choices = q.content["choices"]
        absolute = [bool(ABSOLUTE_WORDS.search(c["text"])) for c in choices]
        keyed_absolute = any(a for a, c in zip(absolute, choices, strict=True) if c["correct"])
        distractors = sum(a for a, c in zip(absolute, choices, strict=True) if not c["correct"])
        if distractors >= 2 and not keyed_absolute:
            found.append(
                Finding(
                    "absolute",
                    q.key,
                    f"{distractors} distractors use absolute words and no keyed option does",
                )
            )
    return found


def _echoing(q: BankQuestion) -> list[bool]:
    """Per option: does it repeat a content word of the stem (4+ letters, no stopword)?"""
    stem = content_words(re.sub(r"\{[^}]*\}", " ", q.content["prompt"]))
    return [bool(content_words(c["text"]) & stem) for c in q.content["choices"]]


def echo_findings(questions: Sequence[BankQuestion]) -> list[Finding]:
    """Single-choice items where the options that repeat the stem's words are exactly the
    key, or exactly the distractors (a writer who avoided the first cue made the second)."""
    found = []
    for q in questions:
        if q.kind != Kind.SINGLE_CHOICE or len(q.content["choices"]) < 3:
            continue
        echo = _echoing(q)
        keyed = [c["correct"] for c in q.content["choices"]]
        if echo == keyed:
            found.append(Finding("echo", q.key, "only the key repeats the stem's words"))
        elif echo == [not k for k in keyed]:
            found.append(Finding("echo", q.key, "every distractor repeats the stem, the key not"))
    return found


def long_key_findings(questions: Sequence[BankQuestion]) -> list[Finding]:
    """Single-choice keys LONG_KEY_RATIO times as long as every distractor."""
    found = []
    for q in questions:
        if q.kind != Kind.SINGLE_CHOICE:
            continue
        choices = q.content["choices"]
        key = max(len(c["text"].strip()) for c in choices if c["correct"])
        longest_wrong = max(len(c["text"].strip()) for c in choices if not c["correct"])
        if key >= LONG_KEY_RATIO * longest_wrong and key - longest_wrong >= LONG_KEY_MIN_CHARS:
            found.append(
                Finding(
                    "long key",
                    q.key,
                    f"the key has {key} characters, the longest distractor {longest_wrong}",
                )
            )
    return found


def pattern_guess(q: BankQuestion) -> int | None:
    """The option a test-wise guesser picks without knowing the subject, or None when the
    cues do not single one out: a point for the longest option, for a hedge ("can",
    "often"), for repeating the stem's words; a point off for an absolute ("always")."""
    choices = q.content["choices"]
    longest = max(len(c["text"].strip()) for c in choices)
    echo = _echoing(q)
    scores = [
        (len(c["text"].strip()) == longest)
        + bool(HEDGED_WORDS.search(c["text"]))
        + echo[i]
        - bool(ABSOLUTE_WORDS.search(c["text"]))
        for i, c in enumerate(choices)
    ]
    best = max(scores)
    picks = [i for i, s in enumerate(scores) if s == best]
    return picks[0] if len(picks) == 1 else None


@dataclass
class PatternRow:
    pool: str
    items: int
    by_pattern: list[str]  # the items the pattern guess answers
    base_rate: float  # the share a blind guess answers

    @property
    def share(self) -> float:
        return len(self.by_pattern) / self.items

    @property
    def failed(self) -> bool:
        return self.items >= MIN_ITEMS_JUDGED and self.share > self.base_rate + PATTERN_EXCESS


def pattern_statistics(questions: Sequence[BankQuestion]) -> list[PatternRow]:
    """Per pool, the junior single-choice items the pattern guess answers, against 1/k."""
    rows = []
    for pool in BANK_POOLS:
        group = [
            q
            for q in questions
            if q.pool == pool and q.kind == Kind.SINGLE_CHOICE and q.level == Level.JUNIOR
        ]
        if not group:
            continue
        answered = [
            q.key
            for q in group
            if (pick := pattern_guess(q)) is not None and q.content["choices"][pick]["correct"]
        ]
        base = sum(1 / len(q.content["choices"]) for q in group) / len(group)
        rows.append(PatternRow(pool, len(group), answered, base))
    return rows


def explanation_findings(questions: Sequence[BankQuestion]) -> list[Finding]:
    return [
        Finding(
            "explanation",
            q.key,
            f"explanation has {len(q.content['explanation'].strip())} characters "
            f"(at least {MIN_EXPLANATION_CHARS}: name the misconception)",
        )
        for q in questions
        if len(q.content["explanation"].strip()) < MIN_EXPLANATION_CHARS
    ]


def lint_bank(questions: Sequence[BankQuestion]) -> LintReport:
    return LintReport(
        questions=len(questions),
        length_rows=length_statistics(questions),
        findings=[
            *position_findings(questions),
            *hedge_findings(questions),
            *absolute_findings(questions),
            *echo_findings(questions),
            *long_key_findings(questions),
            *duplicate_findings(questions),
            *cross_pool_findings(questions),
            *group_findings(questions),
            *explanation_findings(questions),
        ],
        pattern_rows=pattern_statistics(questions),
    )


FINDING_CHECKS = (
    "position",
    "hedge",
    "absolute",
    "echo",
    "long key",
    "duplicate",
    "across pools",
    "exclusion group",
    "explanation",
)


def format_report(report: LintReport) -> str:
    lines = [
        f"{report.questions} questions",
        "",
        f"{'pool':<8} {'kind':<16} {'level':<7} {'items':>5} {'longest keyed':>13} "
        f"{'shortest keyed':>14} "
        f"{'base rate':>9} "
        f"{'excess':>7} {'allowed':>7}  status",
    ]
    for row in report.length_rows:
        allowed = f"+{row.limit:.2f}" if row.limit is not None else "-"
        status = "FAIL" if row.failed else ("ok" if row.limit is not None else "(few)")
        lines.append(
            f"{row.pool:<8} {row.kind:<16} {row.level:<7} {row.items:>5} {row.key_longest:>13.2f} "
            f"{row.key_shortest:>14.2f} {row.base_rate:>9.2f} {row.excess:>+7.2f} {allowed:>7}  {status}"
        )
    lines.append("")
    for row in report.pattern_rows:
        lines.append(
            f"pattern guess, {row.pool} junior single choice: answers {len(row.by_pattern)} "
            f"of {row.items} ({row.share:.2f}; blind guess {row.base_rate:.2f}, allowed "
            f"+{PATTERN_EXCESS:.2f})  {'FAIL' if row.failed else 'ok'}"
        )
        lines += [f"  {key}" for key in row.by_pattern]
    lines.append("")
    for check in FINDING_CHECKS:
        found = [f for f in report.findings if f.check == check]
        lines.append(f"{check}: {len(found)} item(s) (allowed 0)")
        lines += [f"  {f.key}: {f.detail}" for f in found]
    lines.append("")
    finding_lines = {f"{f.check}: {f.key}: {f.detail}" for f in report.findings}
    lines += [failure for failure in report.failures if failure not in finding_lines]
    lines.append("OK" if report.ok else f"FAILED: {len(report.failures)} problem(s)")
    return "\n".join(lines)
