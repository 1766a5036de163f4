"""The bank linter: answer cues a test-wise candidate could use without knowing anything.

`lint_bank` looks at a validated bank (`bankfiles.read_bank`) and returns the key-length
statistics per kind and level, and every item that names a choice by its position (the
choices are shuffled per candidate), carries a lone-hedge cue, repeats another's stem
without an exclusion, or has no real explanation. Thresholds: docs/bank.md.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

from .bankvalidate import BankQuestion
from .draws import exclusion_groups
from .models import CHOICE_KINDS, Kind, Level

# How far above its chance rate the "key is the longest option" share may go, and the
# "key is the shortest option" share (a writer who over-corrects the first makes the second).
LENGTH_EXCESS_PER_KIND = 0.10
LENGTH_EXCESS_PER_LEVEL = 0.20
# Fewer items than this in a kind and level: the share is shown, not judged.
MIN_ITEMS_JUDGED = 10
NEAR_DUPLICATE_SIMILARITY = 0.6
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
_WORD = re.compile(r"[a-z0-9_]+")


@dataclass
class LengthRow:
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
    def failed(self) -> bool:
        return self.limit is not None and self.excess > self.limit


@dataclass(frozen=True)
class Finding:
    check: str
    key: str
    detail: str


@dataclass
class LintReport:
    questions: int
    length_rows: list[LengthRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        failed = [
            f"key length: {row.kind} {row.level}: the {row.cue} option is keyed "
            f"{max(row.key_longest, row.key_shortest):.2f} against a base rate of "
            f"{row.base_rate:.2f} (allowed +{row.limit:.2f})"
            for row in self.length_rows
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
    """Per choice kind, then per kind and level: how often the longest and the shortest
    option is keyed, against the share of keyed options (1/k for single choice)."""
    rows = []
    for kind in CHOICE_KINDS:
        items = [q for q in questions if q.kind == kind]
        for level in ("all", *Level.values):
            group = items if level == "all" else [q for q in items if q.level == level]
            if not group:
                continue
            shares = [_length_shares(q.content["choices"]) for q in group]
            limit = LENGTH_EXCESS_PER_KIND if level == "all" else LENGTH_EXCESS_PER_LEVEL
            rows.append(
                LengthRow(
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


def _stem_words(q: BankQuestion) -> set[tuple[str, str]]:
    words = _WORD.findall(re.sub(r"\{[^}]*\}", " ", q.content["prompt"].lower()))
    return set(zip(words, words[1:], strict=False))


def duplicate_findings(questions: Sequence[BankQuestion]) -> list[Finding]:
    """Stem pairs whose word-pair (bigram) Jaccard similarity reaches
    NEAR_DUPLICATE_SIMILARITY, unless `excludes` already keeps them apart."""
    groups = exclusion_groups({q.key: q.excludes for q in questions})
    stems = [(q, _stem_words(q)) for q in questions]
    found = []
    for (a, wa), (b, wb) in combinations(stems, 2):
        if not wa or not wb or a.kind == Kind.CODING or b.kind == Kind.CODING:
            continue
        similarity = len(wa & wb) / len(wa | wb)
        if similarity < NEAR_DUPLICATE_SIMILARITY:
            continue
        if groups.get(a.key, a.key) == groups.get(b.key, b.key):
            continue
        found.append(
            Finding(
                "duplicate",
                a.key,
                f"stem {similarity:.0%} like {b.key!r} (declare 'excludes' or rewrite one)",
            )
        )
    return found


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
            *duplicate_findings(questions),
            *explanation_findings(questions),
        ],
    )


def format_report(report: LintReport) -> str:
    lines = [
        f"{report.questions} questions",
        "",
        f"{'kind':<16} {'level':<7} {'items':>5} {'longest keyed':>13} {'shortest keyed':>14} "
        f"{'base rate':>9} "
        f"{'excess':>7} {'allowed':>7}  status",
    ]
    for row in report.length_rows:
        allowed = f"+{row.limit:.2f}" if row.limit is not None else "-"
        status = "FAIL" if row.failed else ("ok" if row.limit is not None else "(few)")
        lines.append(
            f"{row.kind:<16} {row.level:<7} {row.items:>5} {row.key_longest:>13.2f} "
            f"{row.key_shortest:>14.2f} {row.base_rate:>9.2f} {row.excess:>+7.2f} {allowed:>7}  {status}"
        )
    lines.append("")
    for check in ("position", "hedge", "duplicate", "explanation"):
        found = [f for f in report.findings if f.check == check]
        lines.append(f"{check}: {len(found)} item(s) (allowed 0)")
        lines += [f"  {f.key}: {f.detail}" for f in found]
    lines.append("")
    lines.append("OK" if report.ok else f"FAILED: {len(report.failures)} problem(s)")
    return "\n".join(lines)
