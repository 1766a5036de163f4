"""The review dashboard under /org/<slug>/review/ (reviewers and admins) and the report a
recruiter reads. Thin views over this package's selectors, services, similarity and
health."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from assess.attempts.integrity import integrity_summary
from assess.attempts.models import Answer, Attempt
from assess.audit import events
from assess.audit.trail import record_event
from assess.hiring.models import Assessment
from assess.hiring.selectors import candidate_stage
from assess.orgs.access import READ_REPORTS, REVIEW, member_role, org_view
from assess.orgs.models import Organization
from assess.publicurl import public_url
from assess.refusals import refusal_page
from grader.models import Submission
from quizzes.models import Kind

from .export import results_csv
from .forms import AttemptFilterForm, RubricForm
from .health import grading_health
from .item_responses import item_statistics_refresh
from .models import ReportShare
from .selectors import (
    AttemptFilters,
    attempts_compare,
    attempts_list,
    question_answers,
    report_context,
    review_answers,
    score_distribution,
    written_queue,
)
from .services import (
    ReviewError,
    ShareClosed,
    report_share_create,
    report_share_open,
    review_clock_start,
    review_seconds,
    rubric_score,
    submission_regrade,
)
from .similarity import side_by_side, similar_pairs, similarity


def _filters(form: AttemptFilterForm) -> AttemptFilters:
    if not form.is_valid():
        return AttemptFilters()
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    if "assessment" in data:
        data["assessment"] = data["assessment"].pk
    return AttemptFilters(**data)


@require_GET
@org_view(REVIEW)
def dashboard(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    form = AttemptFilterForm(request.GET or None, organization=org)
    attempts = attempts_list(org, _filters(form))
    return render(
        request,
        "assess/review/dashboard.html",
        {
            "org": org,
            "role": role,
            "form": form,
            "attempts": attempts[:500],
            "count": attempts.count(),
            "query": request.GET.urlencode(),
            "now": timezone.now(),
            "assessments": org.assessments.filter(archived_at__isnull=True),
        },
    )


@require_GET
@org_view(REVIEW)
def export_csv(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    form = AttemptFilterForm(request.GET or None, organization=org)
    record_event(events.REPORT_EXPORTED, request, details={"export": "results_csv"})
    response = HttpResponse(
        results_csv(attempts_list(org, _filters(form))), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{org.slug}-results-{timezone.now():%Y%m%d}.csv"'
    )
    return response


def _attempt(org: Organization, attempt_id: int) -> Attempt:
    return get_object_or_404(
        Attempt.objects.select_related("invitation", "assessment"), pk=attempt_id, organization=org
    )


@require_GET
@org_view(REVIEW)
def attempt_review(
    request: HttpRequest, org: Organization, role: str, attempt_id: int
) -> HttpResponse:
    """Everything about one attempt: the report, each answer (code with its grading report,
    written answers with the rubric), and the integrity signals."""
    attempt = _attempt(org, attempt_id)
    record_event(events.REPORT_VIEWED, request, target=attempt, details={"page": "review"})
    signals = integrity_summary(attempt)
    answers = review_answers(attempt, signals)
    for answer in answers:
        if answer.content["kind"] == Kind.WRITTEN:
            latest = next(iter(answer.rubric_reviews.all()), None)
            answer.rubric_form = RubricForm(
                rubric=answer.content["rubric"],
                auto_id=f"a{answer.pk}_%s",
                initial={"items": latest.items if latest else [], "clock": review_clock_start()},
            )
    return render(
        request,
        "assess/review/attempt.html",
        {
            "org": org,
            "role": role,
            "attempt": attempt,
            "answers": answers,
            "signals": signals,
            **report_context(attempt),
        },
    )


def _answer(org: Organization, attempt_id: int, answer_id: int) -> Answer:
    return get_object_or_404(
        Answer.objects.select_related("question_version", "attempt"),
        pk=answer_id,
        attempt_id=attempt_id,
        attempt__organization=org,
    )


@require_POST
@org_view(REVIEW)
def answer_score(
    request: HttpRequest, org: Organization, role: str, attempt_id: int, answer_id: int
) -> HttpResponse:
    answer = _answer(org, attempt_id, answer_id)
    content = answer.question_version.content
    if content["kind"] != Kind.WRITTEN:
        messages.error(request, "Only written answers are scored with a rubric.")
    else:
        form = RubricForm(request.POST, rubric=content["rubric"])
        if not form.is_valid():
            messages.error(request, "Unknown rubric item.")
        else:
            try:
                review = rubric_score(
                    answer,
                    form.cleaned_data["items"],
                    request.user,
                    note=form.cleaned_data["note"],
                    seconds=review_seconds(form.cleaned_data["clock"]),
                )
            except ReviewError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    f"Question {answer.position + 1} scored "
                    f"{review.points:g} / {review.possible:g}.",
                )
    if request.POST.get("then") == "queue":
        return redirect("org:review_queue", org_slug=org.slug)
    return redirect(f"{request.path.rsplit('/answers/', 1)[0]}/#answer-{answer.pk}")


@require_GET
@org_view(REVIEW)
def review_queue(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    """The next written answer waiting for a score, across attempts, with its rubric."""
    queue = written_queue(org)
    answer = queue.first()
    form = None
    if answer is not None:
        form = RubricForm(
            rubric=answer.question_version.content["rubric"],
            auto_id="q_%s",
            initial={"clock": review_clock_start()},
        )
    return render(
        request,
        "assess/review/queue.html",
        {"org": org, "role": role, "answer": answer, "form": form, "waiting": queue.count()},
    )


@require_POST
@org_view(REVIEW)
def regrade(
    request: HttpRequest, org: Organization, role: str, attempt_id: int, answer_id: int
) -> HttpResponse:
    answer = _answer(org, attempt_id, answer_id)
    submission = Submission.objects.filter(answer=answer, public_only=False).first()
    if submission is None:
        messages.error(request, "This answer has no graded submission.")
    else:
        try:
            submission_regrade(submission, request.user)
            record_event(events.REGRADE_REQUESTED, request, target=answer)
        except ReviewError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, f"Question {answer.position + 1} is queued to be graded again."
            )
    return redirect(f"{request.path.rsplit('/answers/', 1)[0]}/#answer-{answer.pk}")


@require_GET
@org_view(REVIEW)
def assessment_stats(
    request: HttpRequest, org: Organization, role: str, assessment_id: int
) -> HttpResponse:
    """The score distribution and the similar code pairs of one assessment."""
    assessment = get_object_or_404(Assessment, organization=org, pk=assessment_id)
    return render(
        request,
        "assess/review/assessment.html",
        {
            "org": org,
            "role": role,
            "assessment": assessment,
            "distribution": score_distribution(assessment),
            "bins": [f"{10 * i}–{10 * i + 9}" if i < 9 else "90–100" for i in range(10)],
            "pairs": similar_pairs(assessment),
        },
    )


@require_GET
@org_view(REVIEW)
def compare(request: HttpRequest, org: Organization, role: str, assessment_id: int) -> HttpResponse:
    """Two coding answers of the same assessment side by side."""
    assessment = get_object_or_404(Assessment, organization=org, pk=assessment_id)
    try:
        ids = [int(request.GET.get("a", "")), int(request.GET.get("b", ""))]
    except ValueError:
        return HttpResponse(
            "Name two answers: ?a=<id>&b=<id>", status=400, content_type="text/plain"
        )
    pair = list(
        Answer.objects.filter(
            pk__in=ids, attempt__assessment=assessment, attempt__organization=org
        ).select_related("attempt__invitation", "question_version")
    )
    pair.sort(key=lambda answer: ids.index(answer.pk))  # a on the left, b on the right
    if len(pair) != 2 or any(not isinstance(a.response, str) for a in pair):
        return HttpResponse(
            "These are not two coding answers of this assessment.",
            status=404,
            content_type="text/plain",
        )
    starter = pair[0].question_version.content.get("starter_code", "")
    return render(
        request,
        "assess/review/compare.html",
        {
            "org": org,
            "role": role,
            "assessment": assessment,
            "pair": pair,
            "score": similarity(pair[0].response, pair[1].response, starter=starter),
            "rows": side_by_side(pair[0].response, pair[1].response),
        },
    )


@require_GET
@org_view(READ_REPORTS)
def attempts_side_by_side(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    """Two to four candidates' results next to each other (`?attempt=<id>` repeated)."""
    ids = [int(v) for v in request.GET.getlist("attempt") if v.isdigit()]
    comparison = attempts_compare(org, ids)
    if len(comparison.attempts) < 2:
        return HttpResponse(
            "Choose two to four candidates who have taken a test.",
            status=400,
            content_type="text/plain",
        )
    return render(
        request,
        "assess/review/candidates_compare.html",
        {"org": org, "role": role, "comparison": comparison},
    )


@require_GET
@org_view(REVIEW)
def health(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    return render(
        request,
        "assess/review/health.html",
        {"org": org, "role": role, "health": grading_health(org)},
    )


# --- The candidate's side: integrity signals ------------------------------------------------


# --- The report a recruiter reads -----------------------------------------------------------


def _render_report(
    request: HttpRequest,
    attempt: Attempt,
    org: Organization | None,
    role: str | None,
    **extra,
) -> HttpResponse:
    return render(
        request,
        "assess/recruiter/report.html",
        {
            "org": org,
            "role": role,
            "attempt": attempt,
            "answers": question_answers(attempt),
            "stage": candidate_stage(attempt.invitation),
            **report_context(attempt),
            **extra,
        },
    )


@require_GET
@org_view(READ_REPORTS)
def report(request: HttpRequest, org: Organization, role: str, attempt_id: int) -> HttpResponse:
    attempt = get_object_or_404(
        Attempt.objects.select_related("invitation", "assessment"), pk=attempt_id, organization=org
    )
    record_event(events.REPORT_VIEWED, request, target=attempt, details={"page": "report"})
    return _render_report(request, attempt, org, role)


@require_POST
@org_view(READ_REPORTS)
def report_share(
    request: HttpRequest, org: Organization, role: str, attempt_id: int
) -> HttpResponse:
    """Make a read-only link to the report for someone without an account; shown once."""
    attempt = get_object_or_404(
        Attempt.objects.select_related("invitation", "assessment"), pk=attempt_id, organization=org
    )
    try:
        days = int(request.POST.get("days", "7"))
        share, token = report_share_create(attempt, request.user, days=days)
        record_event(events.SHARE_LINK_CREATED, request, target=share, details={"days": days})
    except (ValueError, ReviewError) as exc:
        messages.error(request, str(exc) if isinstance(exc, ReviewError) else "Days: a number.")
        return redirect("org:report", org_slug=org.slug, attempt_id=attempt.pk)
    link = public_url(request, reverse("report_shared", kwargs={"token": token}))
    return _render_report(request, attempt, org, role, share_link=link, share=share)


@never_cache
@require_GET
def report_shared(request: HttpRequest, token: str) -> HttpResponse:
    """The report through a share link: read-only, no account, no navigation."""
    try:
        attempt = report_share_open(token)
    except ReportShare.DoesNotExist:
        raise Http404("No such link") from None
    except ShareClosed as exc:
        return refusal_page(request, exc, "assess/review/share_closed.html")
    record_event(
        events.SHARE_LINK_OPENED, request, organization=attempt.organization, target=attempt
    )
    response = _render_report(request, attempt, None, None, shared=True)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_GET
def attempt_report(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The older /org/attempts/<id>/ address: the same report, the same role check. An
    attempt of another organization is a 404 like a missing one, so ids cannot be probed."""
    attempt = get_object_or_404(
        Attempt.objects.select_related("invitation", "assessment", "organization"), pk=attempt_id
    )
    role = member_role(request.user, attempt.organization)
    if role not in READ_REPORTS:
        raise Http404("No such attempt")
    return _render_report(request, attempt, attempt.organization, role)


@require_POST
@staff_member_required
def item_statistics_refresh_now(request: HttpRequest) -> HttpResponse:
    """The bank editors' "Recompute now": the hourly task's work, at once, so attempts
    submitted a minute ago count (a newcomer read "No submitted attempts yet" after three)."""
    summary = item_statistics_refresh()
    messages.success(request, f"Recomputed just now: {summary}.")
    return redirect("quizzes:bank_statistics")
