"""What the candidate's pages show: the answers in order, one question's page, an answer's
saved state, a sample run's result, the grading progress after submitting."""

from __future__ import annotations

from django.utils import timezone

from assess.scoring import attempt_results
from grader.console import sample_run_console
from grader.engine.report import candidate_report
from grader.models import Submission, SubmissionStatus
from quizzes.models import Kind
from quizzes.questions import candidate_view

from .adaptive import adaptive_left, adaptive_pending
from .models import Answer, Attempt
from .services import choice_value, response_for_page


def attempt_answers(attempt: Attempt) -> list[Answer]:
    return list(attempt.answers.select_related("question_version").order_by("position"))


def question_context(attempt: Attempt, answers: list[Answer], number: int) -> dict:
    answer = answers[number - 1]
    view = candidate_view(answer.question_version, answer.seed)
    if answer.choice_order is not None:
        # The order frozen at start (shuffled or not), whatever the bank's shuffle does.
        by_index = {choice["index"]: choice for choice in view["choices"]}
        view["choices"] = [by_index[i] for i in answer.choice_order]
    for choice in view.get("choices") or []:
        choice["value"] = choice_value(answer, choice["index"])
    shown = response_for_page(answer)
    picked = shown if isinstance(shown, list) else [shown]
    pending = adaptive_pending(attempt)
    is_coding = view["kind"] == Kind.CODING
    return {
        # An adaptive question waiting for "Confirm", or one confirmed (read-only now).
        "adaptive_pending": pending is not None and pending.position == answer.position,
        "confirmed": answer.score is not None,
        "adaptive_left": adaptive_left(attempt),
        "attempt": attempt,
        "answer": answer,
        "view": view,
        "number": number,
        "total": len(answers),
        "answers": answers,
        "picked": {p for p in picked if p is not None},
        "code": (answer.response if answer.response is not None else view.get("starter_code", "")),
        "remaining_s": max(0, int((attempt.deadline - timezone.now()).total_seconds())),
        "prev_number": number - 1 if number > 1 else None,
        "next_number": number + 1 if number < len(answers) else None,
        "is_coding": is_coding,
        # The last sample run stays on the page across a reload.
        "last_run": _last_sample_run(answer) if is_coding else None,
    }


def _last_sample_run(answer: Answer) -> dict | None:
    submission = (
        Submission.objects.filter(answer=answer, public_only=True).order_by("-created_at").first()
    )
    return _sample_run_view(submission) if submission is not None else None


def _sample_run_view(submission: Submission) -> dict:
    report = submission.report or {}
    verdict = report.get("verdict", "")
    return {
        "submission": submission,
        "report": candidate_report(report),
        "verdict_label": verdict.replace("_", " ") or "error",
        "console": sample_run_console(report),
    }


def answer_json(answer: Answer) -> dict:
    return {
        "revision": answer.revision,
        "response": response_for_page(answer),
        "answered": answer.is_answered,
        "saved_at": answer.saved_at.isoformat() if answer.saved_at else None,
    }


def sample_run_context(submission: Submission, token: str) -> dict:
    return {
        **_sample_run_view(submission),
        "token": token,
        "poll_delay_ms": _poll_delay_ms(submission),
    }


def _poll_delay_ms(submission: Submission) -> int:
    """How soon the page asks again about a pending run: a sample run is graded in tens of
    milliseconds once a worker takes it, so the first seconds are polled closely (the
    answer shows in well under a second), then ever more slowly while it waits."""
    age = (timezone.now() - submission.created_at).total_seconds()
    if age < 3:
        return 150
    if age < 20:
        return 500
    return 2000


def candidate_feedback(attempt: Attempt) -> dict:
    """The candidate's own feedback report: a score per topic (pending ones marked), and
    the known mistakes the grader recognised in their final code, in plain words. Nothing
    here names a correct choice, a numeric answer, a hidden case or a check row."""
    results = attempt_results(attempt)
    final_codes = (
        Submission.objects.filter(
            answer__attempt=attempt, public_only=False, status=SubmissionStatus.GRADED
        )
        .select_related("answer__question_version")
        .order_by("answer__position", "-created_at")
    )
    misconceptions, seen_answers, seen_slugs = [], set(), set()
    for submission in final_codes:
        if submission.answer_id in seen_answers:
            continue  # only the final grade of each answer
        seen_answers.add(submission.answer_id)
        diagnosis = (submission.report or {}).get("diagnosis") or {}
        if diagnosis.get("slug") and diagnosis["slug"] not in seen_slugs:
            seen_slugs.add(diagnosis["slug"])
            misconceptions.append(
                {
                    "question": submission.answer.question_version.content.get("title", ""),
                    "title": diagnosis.get("title", ""),
                    "explanation": diagnosis.get("explanation", ""),
                }
            )
    return {
        "topics": [
            {"label": t.label, "percent": t.percent, "complete": t.complete} for t in results.topics
        ],
        "complete": results.complete,
        "misconceptions": misconceptions,
    }


def grading_counts(attempt: Attempt) -> dict:
    coding = attempt.answers.filter(
        question_version__question__kind=Kind.CODING, score__isnull=False
    ).count()
    pending = Submission.objects.filter(
        answer__attempt=attempt,
        public_only=False,
        status__in=(
            SubmissionStatus.QUEUED,
            SubmissionStatus.RUNNING,
            SubmissionStatus.WAITING_GPU,
        ),
    )
    waiting_gpu = pending.filter(status=SubmissionStatus.WAITING_GPU).count()
    return {
        "coding_done": coding,
        "coding_waiting": pending.count(),
        "coding_waiting_gpu": waiting_gpu,
    }
