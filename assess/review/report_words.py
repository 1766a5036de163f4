"""The report in words a recruiter who is not an ML expert can use: the summary with its
strengths and gaps, who scored an answer, the candidate's response and the grader's verdict
as text. The level's words are `level_words`; the figures they word are `selectors`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assess.scoring import AttemptResults
from grader.engine import VERDICT_LABELS
from quizzes.models import CHOICE_KINDS

STRENGTH_PERCENT = 75.0


GAP_PERCENT = 50.0


@dataclass
class ReportNotes:
    strengths: list[str]
    gaps: list[str]
    summary: str


def report_notes(results: AttemptResults, pass_mark: int) -> ReportNotes:
    """Strengths and gaps in words a recruiter who is not an ML expert can use."""
    strengths = [
        f"{t.label}: {t.percent:.0f}% of {t.questions} question{'s' if t.questions != 1 else ''}"
        for t in results.topics
        if t.percent is not None and t.percent >= STRENGTH_PERCENT
    ]
    gaps = [
        f"{t.label}: {t.percent:.0f}% of {t.questions} question{'s' if t.questions != 1 else ''}"
        for t in results.topics
        if t.percent is not None and t.percent < GAP_PERCENT
    ]
    if not results.complete:
        summary = (
            f"{results.total.pending} answer{'s' if results.total.pending != 1 else ''} still "
            "to be graded; the result is not final yet."
        )
    else:
        verdict = "met" if results.passed else "did not meet"
        # The level has a line of its own, with how sure it is (level_words).
        summary = f"Scored {results.total.percent or 0:.0f}%, and {verdict} the pass mark of {pass_mark}%."
        if gaps:
            summary += " Probe the gaps below in the interview."
    return ReportNotes(strengths, gaps, summary)


SCORED_BY_WORDS = {
    "auto": "scored automatically",
    "grader": "scored by the grader",
    "unanswered": "not answered",
    "": "",
}


def scored_by_words(scored_by: str, reviewers: dict[int, str]) -> str:
    """Who scored an answer, in words: `reviewer:<user id>` becomes the reviewer's name."""
    if scored_by.startswith("reviewer:"):
        user_id = scored_by.split(":", 1)[1]
        name = reviewers.get(int(user_id)) if user_id.isdigit() else None
        return f"scored by {name or 'a former reviewer'}"
    return SCORED_BY_WORDS.get(scored_by, scored_by)


def response_words(content: dict, response: Any) -> Any:
    """A choice question's picked choices as their texts ("; "-separated); any other
    response as stored."""
    if content["kind"] not in CHOICE_KINDS or response is None:
        return response
    picked = response if isinstance(response, list) else [response]
    return "; ".join(
        content["choices"][i]["text"]
        for i in picked
        if isinstance(i, int) and 0 <= i < len(content["choices"])
    )


def verdict_words(verdict: str) -> str:
    """The grader's verdict as the report names it."""
    return VERDICT_LABELS.get(verdict, verdict.replace("_", " "))
