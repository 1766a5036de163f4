"""Practice mode pages: thin views over `quizzes.practice`."""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .forms import PracticeStartForm, StatisticsFilterForm
from .itemstats import over_exposed_questions, statistics_rows
from .models import AssessmentStatistics, Kind, PracticeRun, Question
from .practice import (
    PRACTICE_KINDS,
    PracticeError,
    ResponseError,
    practice_answer,
    practice_items,
    practice_score,
    practice_start,
)
from .questions import candidate_view, correct_answer_text

SESSION_RUNS = "practice_runs"
MAX_RUNS_PER_SESSION = 50


def _own_run(request: HttpRequest, token: str) -> PracticeRun:
    """The run, only for the browser session that started it."""
    if token not in request.session.get(SESSION_RUNS, []):
        raise Http404("No such practice quiz")
    try:
        return PracticeRun.objects.get(token=token)
    except PracticeRun.DoesNotExist:
        raise Http404("No such practice quiz") from None


def practice_home(request: HttpRequest) -> HttpResponse:
    counts = (
        Question.objects.filter(is_active=True, in_practice=True, kind__in=PRACTICE_KINDS)
        .values("topic__title", "level")
        .annotate(n=Count("id"))
    )
    total = sum(row["n"] for row in counts)
    return render(
        request,
        "quizzes/practice_home.html",
        {"form": PracticeStartForm(), "total": total},
    )


@require_POST
def practice_begin(request: HttpRequest) -> HttpResponse:
    form = PracticeStartForm(request.POST)
    if not form.is_valid():
        return render(request, "quizzes/practice_home.html", {"form": form}, status=400)
    try:
        run = practice_start(
            form.cleaned_data["topic"], form.cleaned_data["level"], form.cleaned_data["length"]
        )
    except PracticeError as exc:
        form.add_error(None, str(exc))
        return render(request, "quizzes/practice_home.html", {"form": form}, status=400)
    runs = request.session.get(SESSION_RUNS, [])[-(MAX_RUNS_PER_SESSION - 1) :]
    request.session[SESSION_RUNS] = [*runs, run.token]
    return redirect("quizzes:practice_question", token=run.token, number=1)


def _response_from_post(kind: str, post) -> object:
    if kind == Kind.MULTIPLE_CHOICE:
        return post.getlist("choice")
    if kind == Kind.SINGLE_CHOICE:
        return post.get("choice")
    return post.get("value", "")


@require_http_methods(["GET", "POST"])
def practice_question(request: HttpRequest, token: str, number: int) -> HttpResponse:
    run = _own_run(request, token)
    items = practice_items(run)
    if not 1 <= number <= len(items):
        raise Http404("No such question in this quiz")
    item = items[number - 1]
    error = ""
    status = 200
    if request.method == "POST" and item.answer is None:
        try:
            practice_answer(run, item.index, _response_from_post(item.version.kind, request.POST))
            return redirect("quizzes:practice_question", token=token, number=number)
        except ResponseError as exc:
            error, status = str(exc), 400
    elif request.method == "POST":
        messages.info(request, "You already answered this question; your first answer counts.")
        return redirect("quizzes:practice_question", token=token, number=number)
    context = {
        "run": run,
        "number": number,
        "total": len(items),
        "view": candidate_view(item.version, item.seed),
        "answer": item.answer,
        "error": error,
        "next_number": number + 1 if number < len(items) else None,
        "marks": [it.answer is not None for it in items],
        "picked": set(),
        "correct_indices": set(),
    }
    if item.answer is not None:
        context["correct_answer"] = correct_answer_text(item.version, item.seed)
        context["explanation"] = item.version.content["explanation"]
        context["picked"] = _picked(item.answer["response"])
        if "choices" in item.version.content:
            context["correct_indices"] = {
                i for i, c in enumerate(item.version.content["choices"]) if c["correct"]
            }
    return render(request, "quizzes/practice_question.html", context, status=status)


def _picked(response) -> set[int]:
    values = response if isinstance(response, list) else [response]
    return {int(v) for v in values if str(v).lstrip("-").isdigit()}


def practice_result(request: HttpRequest, token: str) -> HttpResponse:
    run = _own_run(request, token)
    items = practice_items(run)
    earned, total = practice_score(run)
    rows = [
        {
            "number": it.index + 1,
            "view": candidate_view(it.version, it.seed),
            "answer": it.answer,
            "correct_answer": correct_answer_text(it.version, it.seed) if it.answer else None,
            "explanation": it.version.content["explanation"] if it.answer else None,
            "topic": it.version.question.topic.title,
            "level": it.version.question.get_level_display(),
        }
        for it in items
    ]
    return render(
        request,
        "quizzes/practice_result.html",
        {
            "run": run,
            "rows": rows,
            "earned": earned,
            "total": total,
            "answered": len(run.answers),
            "percent": round(100 * earned / total) if total else 0,
        },
    )


@staff_member_required
def bank_statistics(request: HttpRequest) -> HttpResponse:
    """Item statistics for bank editors: over every attempt, or for one assessment."""
    form = StatisticsFilterForm(request.GET or None)
    assessment_id, dubious_only = None, False
    if form.is_valid():
        assessment_id = form.cleaned_data["assessment"]
        dubious_only = form.cleaned_data["dubious"]
    elif form.is_bound:
        return HttpResponseBadRequest("Unknown assessment or filter.")
    limit = settings.QUIZZES_EXPOSURE_LIMIT
    return render(
        request,
        "quizzes/bank_statistics.html",
        {
            "form": form,
            "rows": statistics_rows(assessment_id, dubious_only=dubious_only),
            "reliability": AssessmentStatistics.objects.all(),
            "assessment_id": assessment_id,
            "exposure_limit": limit,
            "over_exposed": over_exposed_questions(limit) if limit else [],
        },
    )
