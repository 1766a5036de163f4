"""The reviewer's integrity pages (reviewers and admins of the attempt's organization; any
other organization's attempt is a 404) and the test's policy (recruiters and admins)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from assess.attempts.models import Answer, Attempt
from assess.audit.trail import record_event
from assess.hiring.models import Assessment
from assess.orgs.access import BUILD, REVIEW, org_view
from assess.orgs.models import Organization
from quizzes.models import Kind
from quizzes.questions import candidate_view

from .forms import DecisionForm, PolicyForm
from .policy import RECORDED, integrity_policy_of, integrity_policy_set
from .selectors import answer_evidence, answer_sessions, attempt_evidence, decisions_of, run_results
from .services import integrity_decide
from .similarity import matching_fragments


@never_cache
@require_http_methods(["GET", "POST"])
@org_view(REVIEW)
def attempt_integrity(
    request: HttpRequest, org: Organization, role: str, attempt_id: int
) -> HttpResponse:
    """The attempt's summary, each coding answer's, and the decision (recorded here)."""
    attempt = get_object_or_404(
        Attempt.objects.select_related("invitation", "assessment"), pk=attempt_id, organization=org
    )
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            decision = integrity_decide(
                attempt, form.cleaned_data["decision"], form.cleaned_data["note"], request.user
            )
            # The note stays on the decision (the review's words), not in the trail.
            record_event(
                "integrity.decided",
                request,
                target=attempt,
                details={"decision": decision.decision},
            )
            messages.success(request, "Decision recorded.")
            return redirect("org:attempt_integrity", org_slug=org.slug, attempt_id=attempt.pk)
    summary, answers = attempt_evidence(attempt)
    return render(
        request,
        "assess/evidence/attempt.html",
        {
            "org": org,
            "role": role,
            "attempt": attempt,
            "summary": summary,
            "answers": answers,
            "decisions": decisions_of(attempt),
            "form": form,
            "policy": integrity_policy_of(attempt.assessment),
        },
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET"])
@org_view(REVIEW)
def answer_playback(
    request: HttpRequest, org: Organization, role: str, attempt_id: int, answer_id: int
) -> HttpResponse:
    """Replay one coding answer on its timeline, the statement beside it."""
    answer = get_object_or_404(
        Answer.objects.select_related("question_version", "attempt__assessment"),
        pk=answer_id,
        attempt_id=attempt_id,
        attempt__organization=org,
        question_version__content__kind=Kind.CODING,
    )
    return render(
        request,
        "assess/evidence/playback.html",
        {
            "org": org,
            "role": role,
            "attempt": answer.attempt,
            "answer": answer,
            "view": candidate_view(answer.question_version, answer.seed),
            "summary": answer_evidence(answer),
            "playback": {
                "sessions": [{"offset": o, "events": e} for o, e in answer_sessions(answer)],
                "runs": {str(k): v for k, v in run_results(answer).items()},
                "final": answer.response or "",
            },
        },
    )


def _highlighted(code: str, ranges: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The code cut into (text, shared) pieces for the template."""
    pieces, at = [], 0
    for start, end in ranges:
        pieces += [(code[at:start], False), (code[start:end], True)]
        at = end
    return [*pieces, (code[at:], False)]


@never_cache
@require_http_methods(["GET"])
@org_view(REVIEW)
def answer_pair(
    request: HttpRequest,
    org: Organization,
    role: str,
    attempt_id: int,
    answer_id: int,
    other_id: int,
) -> HttpResponse:
    """Two coding answers to the same problem side by side, the shared fragments marked."""
    answers = Answer.objects.select_related("question_version", "attempt").filter(
        attempt__organization=org, question_version__content__kind=Kind.CODING
    )
    answer = get_object_or_404(answers, pk=answer_id, attempt_id=attempt_id)
    other = get_object_or_404(answers, pk=other_id)
    if other.question_version.content["problem"] != answer.question_version.content["problem"]:
        raise Http404("Not an answer to the same problem")
    mine, theirs = matching_fragments(answer, other)
    return render(
        request,
        "assess/evidence/pair.html",
        {
            "org": org,
            "role": role,
            "attempt": answer.attempt,
            "answer": answer,
            "other": other,
            "left": _highlighted(answer.response or "", mine),
            "right": _highlighted(other.response or "", theirs),
        },
    )


@require_http_methods(["GET", "POST"])
@org_view(BUILD)
def policy_edit(
    request: HttpRequest, org: Organization, role: str, assessment_id: int
) -> HttpResponse:
    assessment = get_object_or_404(Assessment, pk=assessment_id, organization=org)
    policy = integrity_policy_of(assessment)
    form = PolicyForm(
        request.POST if request.method == "POST" else None,
        initial={
            "ai_assistance_allowed": policy.ai_assistance_allowed,
            "outside_paste_allowed": policy.outside_paste_allowed,
        },
    )
    if request.method == "POST" and form.is_valid():
        integrity_policy_set(assessment, **form.cleaned_data)
        record_event(
            "integrity.policy_changed", request, target=assessment, details=form.cleaned_data
        )
        messages.success(request, "Integrity policy saved; candidates see it before they start.")
        return redirect("org:integrity_policy", org_slug=org.slug, assessment_id=assessment.pk)
    return render(
        request,
        "assess/evidence/policy.html",
        {"org": org, "assessment": assessment, "form": form, "recorded": RECORDED},
    )
