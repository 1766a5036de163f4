"""Practice mode pages: thin views over `quizzes.practice`."""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .errors import UserError
from .forms import PracticeStartForm, StatisticsFilterForm
from .item_statistics import over_exposed_questions, statistics_rows
from .models import AssessmentStatistics, Kind, PracticeRun, Question
from .practice import (
    PRACTICE_KINDS,
    PracticeError,
    practice_answer,
    practice_feedback,
    practice_items,
    practice_progress,
    practice_score,
    practice_start,
    practice_topics,
)
from .practice_code import practice_code_submit
from .questions import candidate_view

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
        Question.objects.practice()
        .filter(kind__in=PRACTICE_KINDS)
        .values("topic__title", "level")
        .annotate(n=Count("id"))
    )
    total = sum(row["n"] for row in counts)
    return render(
        request,
        "quizzes/practice_home.html",
        {
            "form": PracticeStartForm(),
            "total": total,
            "progress": practice_progress(request.user) if request.user.is_authenticated else None,
        },
    )


@require_POST
def practice_begin(request: HttpRequest) -> HttpResponse:
    form = PracticeStartForm(request.POST)
    if not form.is_valid():
        return render(request, "quizzes/practice_home.html", {"form": form}, status=400)
    try:
        run = practice_start(
            form.cleaned_data["topic"],
            form.cleaned_data["level"],
            form.cleaned_data["length"],
            user=request.user if request.user.is_authenticated else None,
        )
    except PracticeError as exc:
        form.add_error(None, str(exc))
        return render(request, "quizzes/practice_home.html", {"form": form}, status=400)
    asked, got = form.cleaned_data["length"], len(run.items)
    if got < asked:
        # A draw gives fewer only when the pool is smaller: say so rather than give 9 of 10.
        messages.info(
            request,
            f"This quiz has {got} question{'s' if got != 1 else ''}, not {asked}: only {got} "
            "different practice questions match this topic and level (questions that ask the "
            "same thing count once). Choose “Any topic” or “Any level” for a longer quiz.",
        )
    runs = request.session.get(SESSION_RUNS, [])[-(MAX_RUNS_PER_SESSION - 1) :]
    request.session[SESSION_RUNS] = [*runs, run.token]
    return redirect("quizzes:practice_question", token=run.token, number=1)


def _response_from_post(kind: str, post) -> object:
    if kind == Kind.MULTIPLE_CHOICE:
        return post.getlist("choice")
    if kind == Kind.SINGLE_CHOICE:
        return post.get("choice")
    if kind == Kind.WRITTEN:
        return post.get("written", "")
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
    if request.method == "POST" and item.version.kind == Kind.CODING:
        # Practice code may be run again and again; the latest graded run counts.
        try:
            practice_code_submit(
                run, item.index, request.POST.get("source", ""), request.session.session_key
            )
            return redirect("quizzes:practice_question", token=token, number=number)
        except UserError as exc:
            error, status = exc.message, exc.status
    elif request.method == "POST" and item.answer is None:
        try:
            practice_answer(run, item.index, _response_from_post(item.version.kind, request.POST))
            return redirect("quizzes:practice_question", token=token, number=number)
        except UserError as exc:
            error, status = exc.message, exc.status
    elif request.method == "POST":
        messages.info(request, "You already answered this question; your first answer counts.")
        return redirect("quizzes:practice_question", token=token, number=number)
    view = candidate_view(item.version, item.seed)
    context = {
        "run": run,
        "number": number,
        "total": len(items),
        "view": view,
        "answer": item.answer,
        "feedback": practice_feedback(item),
        "error": error,
        # A refused answer stays in the field, so the visitor can correct it.
        "typed": _typed(request.POST) if error else "",
        # The coding question's field: what was refused, else the last run, else the starter.
        "code": _typed(request.POST)
        if error
        else (item.answer or {}).get("response") or view.get("starter_code", ""),
        "next_number": number + 1 if number < len(items) else None,
        "marks": [it.answer is not None for it in items],
    }
    return render(request, "quizzes/practice_question.html", context, status=status)


def _typed(post) -> str:
    return post.get("value") or post.get("written") or post.get("source") or ""


def practice_code_status(request: HttpRequest, token: str, number: int) -> HttpResponse:
    """htmx: the coding question's result fragment while its run is graded."""
    run = _own_run(request, token)
    items = practice_items(run)
    if not 1 <= number <= len(items) or items[number - 1].version.kind != Kind.CODING:
        raise Http404("No such coding question in this quiz")
    item = items[number - 1]
    return render(
        request,
        "quizzes/_code_result.html",
        {
            "run": run,
            "number": number,
            "answer": item.answer,
            "feedback": practice_feedback(item),
            "next_number": number + 1 if number < len(items) else None,
        },
    )


def practice_result(request: HttpRequest, token: str) -> HttpResponse:
    run = _own_run(request, token)
    items = practice_items(run)
    earned, total = practice_score(items)
    rows = [
        {
            "number": it.index + 1,
            "view": candidate_view(it.version, it.seed),
            "feedback": practice_feedback(it),
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
            "questions": len(items),
            "topics": practice_topics(items),
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
