"""The hiring team's view of one attempt: thin, scoped to the user's organizations."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Attempt, Membership
from .scoring import attempt_results


def member_roles(user, organization) -> set[str]:
    return set(Membership.objects.filter(user=user, organization=organization).values_list("role", flat=True))


@login_required
def attempt_report(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_object_or_404(Attempt.objects.select_related("invitation", "assessment", "organization"), pk=attempt_id)
    if not request.user.is_superuser and not member_roles(request.user, attempt.organization):
        raise PermissionDenied("This attempt belongs to another organization.")
    answers = attempt.answers.select_related("question_version__question__topic").prefetch_related("submissions")
    return render(request, "assess/attempt_report.html", {
        "attempt": attempt, "results": attempt_results(attempt), "answers": answers,
    })
