"""The summary a reviewer reads first: per answer and per attempt, "review suggested: yes /
no / not enough data" with the reasons in plain words. It is evidence to weigh, never a
verdict: nothing is rejected on it, and people outside the review see only the reviewer's
decision (`evidence.selectors.decision_of`).

The thresholds come from the simulated sessions of `assess/bench/integrity_bench.py`
(docs/benchmarks.md says what each kind scores and what the signals cannot tell apart)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from .replay import OUTSIDE, Replay, lines_of, share_of

YES, NO, NOT_ENOUGH = "yes", "no", "not enough data"

# Review is suggested when at least this share of the final code (whitespace left out)
# arrived by pastes from outside the page, and at least MIN_OUTSIDE_CHARS of it.
OUTSIDE_SHARE = 0.5
MIN_OUTSIDE_CHARS = 80
# ... or when one-character inserts came so evenly that their gaps' coefficient of
# variation (standard deviation / mean) is under REGULAR_CV over at least MIN_GAPS gaps.
# People's typing, even of a memorized answer, varies far more (bench: 0.4 and above).
REGULAR_CV = 0.2
MIN_GAPS = 40
# ... or, where the test forbids pasting from outside, when a paste from outside carried
# at least this many characters (a variable name is not worth a review).
FORBIDDEN_PASTE_CHARS = 40
# ... or when another answer to the same problem in the organization holds at least this
# share of the answer's telling fingerprints (evidence.similarity). Correct answers to a
# short problem resemble each other; the idioms all share are left out before this share.
SIMILAR_SHARE = 0.8
# Below this many written characters there is too little to say anything.
MIN_EVIDENCE_CHARS = 40


@dataclass
class Summary:
    suggested: str
    reasons: list[str] = field(default_factory=list)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.0f} s" if ms < 120_000 else f"{ms / 60_000:.0f} min"


def answer_summary(
    r: Replay, *, outside_paste_allowed: bool = True, best_match: float | None = None
) -> Summary:
    """The summary of one coding answer's replay; `best_match`: the largest share of its
    fingerprints another answer to the problem holds (None: not indexed)."""
    if best_match is not None and best_match >= SIMILAR_SHARE:
        rest = answer_summary(r, outside_paste_allowed=outside_paste_allowed)
        reasons = [x for x in rest.reasons if not x.startswith("Typed ")]
        return Summary(
            YES,
            [
                f"Matches another candidate's answer at {best_match:.0%}; the pair view "
                "highlights the shared fragments.",
                *[x for x in reasons if x != "No playback was recorded for this answer."],
            ],
        )
    outside_chars, counted = share_of(r.origins, r.text, OUTSIDE)
    if r.edits == 0 and not r.pastes:
        return Summary(NOT_ENOUGH, ["No playback was recorded for this answer."])
    written = counted - share_of(r.origins, r.text, "start")[0]
    if written < MIN_EVIDENCE_CHARS and outside_chars == 0:
        return Summary(NOT_ENOUGH, [f"Only {max(written, 0)} characters were written."])
    reasons: list[str] = []
    suggested = False
    outside = [p for p in r.pastes if p.source == OUTSIDE]
    if outside_chars >= MIN_OUTSIDE_CHARS and outside_chars >= OUTSIDE_SHARE * counted:
        mostly, lines = lines_of(r.origins, r.text, OUTSIDE)
        reasons.append(
            f"{mostly} of {lines} lines arrived in {len(outside)} paste"
            f"{'s' if len(outside) != 1 else ''} from outside the page, the first "
            f"{_seconds(outside[0].t)} after the question opened."
        )
        suggested = True
    big_outside = [p for p in outside if p.size >= FORBIDDEN_PASTE_CHARS]
    if not outside_paste_allowed and big_outside:
        reasons.append(
            f"Pasted from outside the page {len(big_outside)} time"
            f"{'s' if len(big_outside) != 1 else ''} ({sum(p.size for p in big_outside)} "
            "characters), which this test does not allow."
        )
        suggested = True
    if len(r.keystroke_gaps) >= MIN_GAPS:
        mean = statistics.fmean(r.keystroke_gaps)
        spread = statistics.pstdev(r.keystroke_gaps)
        cv = spread / mean if mean else 0.0
        if cv < REGULAR_CV:
            reasons.append(
                f"Keys came at machine-regular intervals: {mean:.0f} ms apart, give or take "
                f"{spread:.0f} ms, over {len(r.keystroke_gaps) + 1} keys."
            )
            suggested = True
        elif not suggested:
            reasons.append(
                f"Typed {_count(r.typed_chars, 'character')} with "
                f"{_count(r.deletions, 'correction')}, at an uneven rhythm, as people type."
            )
    elif not suggested:
        reasons.append(
            f"Typed {_count(r.typed_chars, 'character')} with {_count(r.deletions, 'correction')}."
        )
    if outside and not suggested:
        reasons.append(
            f"{len(outside)} paste{'s' if len(outside) != 1 else ''} from outside the page "
            f"({sum(p.size for p in outside)} characters), a small part of the final code."
        )
    if r.focus_losses:
        reasons.append(
            f"The page lost the focus {r.focus_losses} time{'s' if r.focus_losses != 1 else ''}."
        )
    if r.capped:
        reasons.append("The recording reached its size bound; the end was not recorded.")
    return Summary(YES if suggested else NO, reasons)


def attempt_summary(answers: list[tuple[int, Summary]]) -> Summary:
    """The attempt's: review suggested when one answer's is; the reasons of those answers,
    each naming its question (position counted from 1)."""
    if not answers:
        return Summary(NOT_ENOUGH, ["This attempt has no coding answer with a playback."])
    flagged = [(n, s) for n, s in answers if s.suggested == YES]
    if flagged:
        return Summary(YES, [f"Question {n}: {reason}" for n, s in flagged for reason in s.reasons])
    if all(s.suggested == NOT_ENOUGH for _, s in answers):
        return Summary(NOT_ENOUGH, ["Too little was recorded in every coding answer."])
    return Summary(NO, ["No coding answer shows a pattern worth a review."])
