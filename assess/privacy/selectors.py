"""Reads of the privacy feature's rows that other features need."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from assess.hiring.models import Invitation

from .models import AnonymousResponse


def anonymous_respondent_key(respondent: int) -> int:
    """An erased attempt's stand-in for an attempt id in response matrices: negative, so it
    never meets a live attempt's id."""
    return -respondent


def anonymous_responses(*, submitted: bool | None = None) -> QuerySet[AnonymousResponse]:
    """The item responses that erased attempts left, without identity."""
    rows = AnonymousResponse.objects.all()
    return rows if submitted is None else rows.filter(submitted=submitted)


def anonymous_seen_by() -> dict[int, int]:
    """Erased attempts that were shown each question (by question id)."""
    return dict(
        AnonymousResponse.objects.values("question_version__question_id")
        .annotate(attempts=Count("respondent", distinct=True))
        .values_list("question_version__question_id", "attempts")
    )


def anonymous_seen_in() -> set[tuple[int, int]]:
    """(question id, organization id) for every question an erased attempt was shown."""
    return set(
        AnonymousResponse.objects.values_list(
            "question_version__question_id", "assessment__organization_id"
        ).distinct()
    )


def candidates_matching(organization, text: str, *, limit: int) -> list[Invitation]:
    """The organization's candidates whose name or email contains `text`, newest first."""
    text = text.strip()
    return list(
        Invitation.objects.filter(organization=organization)
        .filter(Q(candidate_name__icontains=text) | Q(candidate_email__icontains=text))
        .select_related("assessment", "legal_hold")
        .order_by("-created_at")[:limit]
    )
