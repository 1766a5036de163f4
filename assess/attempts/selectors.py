"""What the candidate's pages show: the answers in order, one question's page, an answer's
saved state, a sample run's result, the grading progress after submitting."""

from __future__ import annotations

from django.utils import timezone

from grader.models import Submission, SubmissionStatus
from quizzes.models import Kind
from quizzes.questions import candidate_view

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
    return {
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
        "is_coding": view["kind"] == Kind.CODING,
    }


def answer_json(answer: Answer) -> dict:
    return {
        "revision": answer.revision,
        "response": response_for_page(answer),
        "answered": answer.is_answered,
        "saved_at": answer.saved_at.isoformat() if answer.saved_at else None,
    }


def sample_run_context(submission: Submission, token: str) -> dict:
    verdict = (submission.report or {}).get("verdict", "")
    return {
        "submission": submission,
        "token": token,
        "verdict_label": verdict.replace("_", " ") or "error",
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
