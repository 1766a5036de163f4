"""The candidate's pages: thin views over `assess.attempts`.

The link's token is the candidate's credential: every view finds the invitation by the
token's hash, and reaches the attempt and its answers only through it, so one link can
never read or write another candidate's attempt.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assess.hiring.models import Invitation
from assess.hiring.selectors import assessment_summary
from assess.privacy.notice import (
    NoticeNotConfirmed,
    notice_confirm,
    notice_confirmed_version,
    notice_context,
)
from assess.refusals import refusal_json, refusal_page
from assess.strictinput import InputRejected, parse_json_object
from grader.models import Submission
from quizzes.errors import UserError

from .decorators import candidate_page, started_attempt
from .integrity import MAX_BODY_BYTES, integrity_record
from .models import Attempt, AttemptStatus
from .selectors import (
    answer_json,
    attempt_answers,
    candidate_feedback,
    grading_counts,
    question_context,
    sample_run_context,
)
from .services import (
    AnswerConfirmed,
    AttemptClosed,
    RateLimited,
    StaleRevision,
    adaptive_confirm,
    answer_save,
    attempt_close_if_due,
    attempt_of,
    attempt_start,
    attempt_submit,
    invitation_check_open,
    sample_run_start,
)

MAX_AUTOSAVE_BODY = 128 * 1024


def _open_attempt(invitation: Invitation) -> Attempt | None:
    """The invitation's attempt, submitted first if its deadline has passed."""
    attempt = attempt_of(invitation)
    return attempt_close_if_due(attempt) if attempt is not None else None


def _landing(
    request: HttpRequest, invitation: Invitation, token: str, notice_error: str = ""
) -> HttpResponse:
    assessment = invitation.assessment
    return render(
        request,
        "assess/attempt_landing.html",
        {
            **notice_context(assessment.organization),
            "notice_error": notice_error,
            "token": token,
            "invitation": invitation,
            "assessment": assessment,
            "question_count": assessment_summary(assessment).length,
            # Extra time granted to this candidate (accommodations) is part of their limit.
            "time_limit_minutes": assessment.time_limit_minutes + invitation.extra_minutes,
            "has_adaptive": assessment.sections.filter(adaptive=True).exists(),
        },
        status=400 if notice_error else 200,
    )


@require_GET
@candidate_page
def attempt_landing(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    attempt = _open_attempt(invitation)
    if attempt is not None:
        if attempt.status == AttemptStatus.SUBMITTED:
            return redirect("assess:attempt_done", token=token)
        return redirect("assess:attempt_question", token=token, number=1)
    invitation_check_open(invitation, timezone.now())
    return _landing(request, invitation, token)


@require_POST
@candidate_page
def attempt_begin(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    """Start the test once the candidate has confirmed the privacy notice they were shown
    (a second click after the start just goes on)."""
    if attempt_of(invitation) is None:
        invitation_check_open(invitation, timezone.now())
        try:
            notice = notice_confirmed_version(invitation.organization, request.POST)
        except NoticeNotConfirmed as refused:
            return _landing(request, invitation, token, notice_error=refused.message)
        notice_confirm(attempt_start(invitation), notice)
    else:
        attempt_start(invitation)
    return redirect("assess:attempt_question", token=token, number=1)


@require_GET
@candidate_page
@started_attempt(open_only=True)
def attempt_question(
    request: HttpRequest, invitation: Invitation, token: str, number: int, *, attempt: Attempt
) -> HttpResponse:
    answers = attempt_answers(attempt)
    if not 1 <= number <= len(answers):
        raise Http404("No such question in this test")
    context = question_context(attempt, answers, number)
    context["token"] = token
    return render(request, "assess/attempt_question.html", context)


@require_POST
@candidate_page
def answer_autosave(
    request: HttpRequest, invitation: Invitation, token: str, number: int
) -> HttpResponse:
    """JSON in: {"response": ..., "revision": n}. 200 with the new revision; 409 with the
    current answer when another tab saved first; 409 with `closed` after submission."""
    attempt = attempt_of(invitation)
    if attempt is None:
        return JsonResponse({"error": "This test has not been started."}, status=409)
    if len(request.body) > MAX_AUTOSAVE_BODY:
        return JsonResponse({"error": "This answer is too large."}, status=413)
    try:
        payload = parse_json_object(request.body)
    except InputRejected as refused:
        return refusal_json(refused, message=f"Not saved: {refused.message}")
    revision = payload.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
        return JsonResponse({"error": "Malformed save request: no revision."}, status=400)
    try:
        answer = answer_save(attempt, number - 1, payload.get("response"), revision, from_page=True)
    except StaleRevision as stale:
        return refusal_json(stale, stale=True, **answer_json(stale.answer))
    except AttemptClosed as closed:
        return refusal_json(
            closed, closed=True, redirect=reverse("assess:attempt_done", args=[token])
        )
    except UserError as refused:
        return refusal_json(refused)
    return JsonResponse(answer_json(answer))


@require_POST
@candidate_page
@started_attempt(close_if_due=False)
def adaptive_next(
    request: HttpRequest, invitation: Invitation, token: str, number: int, *, attempt: Attempt
) -> HttpResponse:
    """Confirm an adaptive question (its autosaved response) and show the next one."""
    try:
        following = adaptive_confirm(attempt, number - 1)
    except AttemptClosed:
        return redirect("assess:attempt_done", token=token)
    except AnswerConfirmed:
        # A second click or an old tab: show the question now waiting (the newest one).
        return redirect("assess:attempt_question", token=token, number=attempt.answers.count())
    if following is None:
        return redirect("assess:attempt_review", token=token)
    return redirect("assess:attempt_question", token=token, number=following.position + 1)


@require_POST
@candidate_page
def sample_run(
    request: HttpRequest, invitation: Invitation, token: str, number: int
) -> HttpResponse:
    """htmx: queue the public sample tests for the editor's code; answers a status fragment."""
    attempt = attempt_of(invitation)
    if attempt is None:
        raise Http404("This test has not been started")
    try:
        submission = sample_run_start(attempt, number - 1, request.POST.get("source", ""))
    except RateLimited as limited:
        return refusal_page(request, limited, "assess/_sample_run.html", error=limited.message)
    except AttemptClosed as closed:
        response = refusal_page(request, closed, "assess/_sample_run.html", error=closed.message)
        response["HX-Redirect"] = reverse("assess:attempt_done", args=[token])
        return response
    return render(request, "assess/_sample_run.html", sample_run_context(submission, token))


@require_GET
@candidate_page
def sample_run_status(
    request: HttpRequest, invitation: Invitation, token: str, submission_id: int
) -> HttpResponse:
    try:
        # Reached only through this link's attempt: another attempt's run is a 404.
        submission = Submission.objects.get(
            pk=submission_id, public_only=True, answer__attempt__invitation=invitation
        )
    except Submission.DoesNotExist:
        raise Http404("No such sample run") from None
    return render(request, "assess/_sample_run.html", sample_run_context(submission, token))


@require_GET
@candidate_page
@started_attempt(open_only=True)
def attempt_review(
    request: HttpRequest, invitation: Invitation, token: str, *, attempt: Attempt
) -> HttpResponse:
    answers = attempt_answers(attempt)
    return render(
        request,
        "assess/attempt_review.html",
        {
            "token": token,
            "attempt": attempt,
            "answers": answers,
            "unanswered": [a.position + 1 for a in answers if not a.is_answered],
            "remaining_s": max(0, int((attempt.deadline - timezone.now()).total_seconds())),
        },
    )


@require_POST
@candidate_page
@started_attempt(close_if_due=False)
def attempt_finish(
    request: HttpRequest, invitation: Invitation, token: str, *, attempt: Attempt
) -> HttpResponse:
    attempt_submit(attempt)
    return redirect("assess:attempt_done", token=token)


@require_GET
@candidate_page
@started_attempt()
def attempt_done(
    request: HttpRequest, invitation: Invitation, token: str, *, attempt: Attempt
) -> HttpResponse:
    if attempt.status != AttemptStatus.SUBMITTED:
        return redirect("assess:attempt_review", token=token)
    return render(
        request,
        "assess/attempt_done.html",
        {
            "token": token,
            "attempt": attempt,
            "invitation": invitation,
            **grading_counts(attempt),
        },
    )


@require_GET
@candidate_page
def attempt_feedback(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    """The candidate's feedback report, where their organization has switched it on."""
    attempt = attempt_of(invitation)
    if (
        attempt is None
        or attempt.status != AttemptStatus.SUBMITTED
        or not invitation.assessment.organization.candidate_feedback
    ):
        raise Http404("No feedback report for this test")
    return render(
        request,
        "assess/attempt_feedback.html",
        {"token": token, "attempt": attempt, **candidate_feedback(attempt)},
    )


@require_GET
@candidate_page
def attempt_grading_status(
    request: HttpRequest, invitation: Invitation, token: str
) -> HttpResponse:
    attempt = attempt_of(invitation)
    if attempt is None or attempt.status != AttemptStatus.SUBMITTED:
        raise Http404("Not submitted")
    return render(
        request, "assess/_grading_status.html", {"token": token, **grading_counts(attempt)}
    )


# --- Integrity signals ----------------------------------------------------------------------


@require_POST
@candidate_page
def attempt_signals(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    """JSON in: {"events": [{"kind", "position", "amount"}, ...]}; only for the link's
    holder, only while the attempt is open; 204 when stored."""
    if len(request.body) > MAX_BODY_BYTES:
        return JsonResponse({"error": "Too large."}, status=413)
    attempt = attempt_of(invitation)
    if attempt is None or attempt.status != AttemptStatus.IN_PROGRESS:
        return JsonResponse({"error": "This test is not in progress."}, status=409)
    try:
        events = parse_json_object(request.body).get("events")
    except InputRejected as refused:
        return refusal_json(refused)
    try:
        integrity_record(attempt, events)
    except UserError as refused:
        return refusal_json(refused)
    return HttpResponse(status=204)
