"""Reads for the reviewer's pages: an answer's playback on one timeline, its summary, and
the attempt's decision."""

from __future__ import annotations

from datetime import timedelta

from assess.attempts.models import Answer, Attempt
from grader.models import Submission
from quizzes.models import Kind

from .models import IntegrityDecision, PlaybackChunk
from .policy import integrity_policy_of
from .replay import Replay, replay
from .similarity import Match, similar_answers
from .summary import Summary, answer_summary, attempt_summary


def answer_sessions(answer: Answer) -> list[tuple[int, list[list]]]:
    """The answer's openings on one timeline: (offset ms since the first opening, events).
    An opening's start is estimated from the server's clock (its first batch's arrival less
    the page's own time in it); openings never overlap on the timeline."""
    chunks = PlaybackChunk.objects.filter(log__answer=answer).order_by("session", "seq")
    by_session: dict[str, list[PlaybackChunk]] = {}
    for chunk in chunks:
        by_session.setdefault(chunk.session, []).append(chunk)
    openings = sorted(
        (rows[0].received_at - timedelta(milliseconds=rows[0].last_t), rows)
        for rows in by_session.values()
    )
    sessions: list[tuple[int, list[list]]] = []
    if not openings:
        return sessions
    first, end = openings[0][0], 0
    for opened, rows in openings:
        offset = max(int((opened - first).total_seconds() * 1000), end)
        events = [event for row in rows for event in row.events]
        sessions.append((offset, events))
        end = offset + (events[-1][1] if events else 0)
    return sessions


def run_results(answer: Answer) -> dict[int, str]:
    """The answer's sample runs by id: their verdict in words (or their status)."""
    runs = Submission.objects.filter(answer=answer, public_only=True)
    return {
        pk: (verdict.replace("_", " ") if verdict else status)
        for pk, verdict, status in runs.values_list("pk", "verdict", "status")
    }


def answer_replay(answer: Answer) -> Replay:
    return replay(answer_sessions(answer))


def answer_evidence(answer: Answer, matches: list[Match] | None = None) -> Summary:
    policy = integrity_policy_of(answer.attempt.assessment)
    matches = similar_answers(answer, limit=1) if matches is None else matches
    return answer_summary(
        answer_replay(answer),
        outside_paste_allowed=policy.outside_paste_allowed,
        best_match=matches[0].share if matches else None,
    )


def attempt_evidence(
    attempt: Attempt,
) -> tuple[Summary, list[tuple[Answer, Summary, list[Match]]]]:
    """The attempt's summary and each coding answer's (with its closest answers), in order."""
    answers = [
        a
        for a in attempt.answers.select_related("question_version", "attempt__assessment")
        if a.question_version.content["kind"] == Kind.CODING
    ]
    per_answer = []
    for a in answers:
        matches = similar_answers(a)
        per_answer.append((a, answer_evidence(a, matches), matches))
    return attempt_summary([(a.position + 1, s) for a, s, _ in per_answer]), per_answer


def decisions_of(attempt: Attempt) -> list[IntegrityDecision]:
    """Every decision on the attempt, the newest (the one in force) first."""
    return list(attempt.integrity_decisions.select_related("reviewer"))


def decision_of(attempt: Attempt) -> IntegrityDecision | None:
    """The decision in force: all that people outside the review are shown."""
    return attempt.integrity_decisions.first()
