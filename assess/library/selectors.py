"""Reads of an organization's library, and the one rule of who sees which bank question:
the bank's hiring questions for everyone, a private question only for its organization
(`questions_for`). The builder, its preview and its picks all go through it, so another
organization's item is simply not there (a 404, like an id that never existed)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from assess.hiring.models import Assessment
from assess.orgs.models import Organization
from quizzes.models import BANK_POOLS, ItemStatistics, Pool, Question, QuestionVersion

from .authoring import check_source, export_text
from .models import LibraryItem


def owned_questions(organization: Organization) -> QuerySet[Question]:
    """The organization's published library questions (retired ones included)."""
    return Question.objects.filter(pool=Pool.PRIVATE, library_item__organization=organization)


def questions_for(organization: Organization | None, source: str = "") -> QuerySet[Question]:
    """Usable questions an organization may pick: the bank's hiring pool and its own
    library (`source` "bank" or "library" keeps one); without an organization, the bank."""
    usable = Question.objects.usable()
    bank = Q(pool=Pool.HIRING)
    own = Q(pool=Pool.PRIVATE, library_item__organization=organization)
    if organization is None or source == "bank":
        return usable.filter(bank)
    if source == "library":
        return usable.filter(own)
    return usable.filter(bank | own)


def questions_known_to(organization: Organization) -> QuerySet[Question]:
    """Every question the organization may name, retired ones included (to take one out
    of a test): the bank's and its own library's, never another organization's."""
    return Question.objects.filter(
        Q(pool__in=BANK_POOLS) | Q(pool=Pool.PRIVATE, library_item__organization=organization)
    )


def library_items(organization: Organization) -> QuerySet[LibraryItem]:
    return LibraryItem.objects.filter(organization=organization).select_related(
        "question__latest_version", "created_by"
    )


def library_item(organization: Organization, item_id: int) -> LibraryItem:
    """One of the organization's items; any other id is a 404."""
    return get_object_or_404(library_items(organization), pk=item_id)


def item_versions(item: LibraryItem) -> list[QuestionVersion]:
    if item.question_id is None:
        return []
    return list(item.question.versions.order_by("-number"))


def item_statistics(item: LibraryItem) -> list[ItemStatistics]:
    """The item's statistics over every attempt and per assessment of its organization,
    as the bank's statistics page shows them."""
    if item.question_id is None:
        return []
    assessments = Assessment.objects.filter(organization_id=item.organization_id)
    return list(
        ItemStatistics.objects.filter(version__question_id=item.question_id)
        .filter(
            Q(assessment_id__isnull=True)
            | Q(assessment_id__in=assessments.values_list("pk", flat=True))
        )
        .select_related("version")
        .order_by("assessment_id", "-version__number", "variant")
    )


def library_export(organization: Organization) -> str:
    """Every item's working copy that is valid, in the bank's YAML (the author's ids)."""
    questions = []
    for item in library_items(organization).order_by("slug"):
        checked = check_source(organization.pk, item.source, slug=item.slug)
        if checked.ok:
            questions.append(checked.question)
    return export_text(organization.pk, questions)
