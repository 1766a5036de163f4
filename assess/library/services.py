"""The library's actions: write, submit for review, publish, retire, restore, import.

Publishing writes through the bank's own `save_question`, so a published library item is
a `private`-pool question with immutable versions: an edit published later adds a version,
and an attempt keeps the version it was given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from assess.audit import events
from assess.audit.trail import record_event
from assess.orgs.models import Organization, Role
from quizzes.bankfiles import save_question
from quizzes.bankvalidate import plain
from quizzes.errors import UserError
from quizzes.models import Topic
from quizzes.yamlio import dump_text

from . import coding
from .authoring import (
    MAX_SOURCE_CHARS,
    Checked,
    check_mapping,
    check_source,
    parse_yaml,
    split_import,
    stored_key,
)
from .models import LibraryItem, LibraryPolicy, Status


class LibraryError(UserError):
    """A request the library cannot honour; `errors` for the author (each also in
    `fields["question"]`), `advice` the cue linter's."""

    def __init__(self, errors: list[str] | str, *, advice: list[str] | None = None):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        self.advice = advice or []
        super().__init__("; ".join(self.errors), fields={"question": self.errors})


class NotAllowed(LibraryError):
    status = 403


class Conflict(LibraryError):
    status = 409


def library_policy(organization: Organization) -> LibraryPolicy:
    policy, _ = LibraryPolicy.objects.get_or_create(organization=organization)
    return policy


def may_author(user, organization: Organization, role: str | None) -> bool:
    """Admins write questions; recruiters when the admin allowed them."""
    if role == Role.ADMIN:
        return True
    if role != Role.RECRUITER:
        return False
    return LibraryPolicy.objects.filter(organization=organization, authors=user).exists()


def policy_update(organization: Organization, *, review_required: bool, authors) -> LibraryPolicy:
    policy = library_policy(organization)
    policy.review_required = review_required
    policy.save(update_fields=["review_required"])
    policy.authors.set(authors)
    return policy


def _audit(event: str, item: LibraryItem, user) -> None:
    """Who changed what candidates are asked; `user` None is an API token (its own use is
    in the trail as `api_token.used`)."""
    details = {"question": item.slug}
    if item.question_id is not None:
        details["version"] = item.question.latest_version.number
    if user is None:
        details["via"] = "api"
    record_event(event, actor=user, organization=item.organization, target=item, details=details)


def _checked_or_raise(checked: Checked) -> Checked:
    if not checked.ok:
        raise LibraryError(checked.errors or ["Not a valid question."])
    return checked


def building(checked: Checked) -> bool:
    return checked.errors == [coding.PENDING]


def _draft_checked(checked: Checked) -> Checked:
    """What a draft may hold: a valid question, or a coding item whose tests are still
    being built in the sandbox (sending for review and publishing wait for the build)."""
    return checked if building(checked) else _checked_or_raise(checked)


def item_check(organization_id: int, source: str, *, slug: str | None = None) -> Checked:
    """Check a working copy; a coding item written from a reference also gets its build
    queued (the reference and its mutants run in a grading worker's sandbox, and the next
    check shows the result)."""
    raw, errors = parse_yaml(source, limit=MAX_SOURCE_CHARS)
    author_id = raw.get("id") if not errors and isinstance(raw, Mapping) else None
    if isinstance(author_id, str) and (slug is None or author_id == slug):
        coding.request_build(stored_key(organization_id, author_id), organization_id, raw)
    return check_source(organization_id, source, slug=slug)


def item_create(organization: Organization, user, source: str) -> LibraryItem:
    """A new draft from valid YAML; an id the organization already uses is a conflict."""
    checked = _draft_checked(item_check(organization.pk, source))
    try:
        with transaction.atomic():
            return LibraryItem.objects.create(
                organization=organization,
                slug=checked.slug,
                kind=checked.kind,
                source=source,
                created_by=user,
            )
    except IntegrityError:
        raise Conflict(
            f"Your library already has a question with the id {checked.slug!r}."
        ) from None


@transaction.atomic
def item_update(item: LibraryItem, user, source: str) -> LibraryItem:
    """Replace the working copy (valid YAML, same id and kind); it becomes a draft again,
    while the published version stays what candidates get until the next publication."""
    item = LibraryItem.objects.select_for_update().get(pk=item.pk)
    checked = _draft_checked(item_check(item.organization_id, source, slug=item.slug))
    if checked.kind != item.kind:
        raise LibraryError(f"'kind' must stay {item.kind}: write a new question for another kind.")
    item.source = source
    item.status = Status.DRAFT
    item.submitted_by = None
    item.save(update_fields=["source", "status", "submitted_by", "updated_at"])
    return item


@transaction.atomic
def item_submit(item: LibraryItem, user) -> LibraryItem:
    """Ask a second person to review the working copy."""
    item = LibraryItem.objects.select_for_update().get(pk=item.pk)
    if item.status != Status.DRAFT:
        raise Conflict("Only a draft can be sent for review.")
    _checked_or_raise(check_source(item.organization_id, item.source, slug=item.slug))
    item.status = Status.IN_REVIEW
    item.submitted_by = user
    item.save(update_fields=["status", "submitted_by", "updated_at"])
    return item


@transaction.atomic
def item_publish(item: LibraryItem, user) -> LibraryItem:
    """Make the working copy what new attempts get. Where the organization asks for a
    second person's review, only a draft sent for review is published, by someone else."""
    item = (
        LibraryItem.objects.select_for_update(of=("self",))
        .select_related("question")
        .get(pk=item.pk)
    )
    if item.status == Status.PUBLISHED:
        raise Conflict("This version is already published.")
    if item.retired:
        raise Conflict("This question is retired: restore it before publishing an edit.")
    if library_policy(item.organization).review_required:
        if item.status != Status.IN_REVIEW:
            raise Conflict("Your organization reviews questions: send it for review first.")
        if user is None:
            raise NotAllowed(
                "Your organization reviews questions: a person approves it on the library page."
            )
        if item.submitted_by_id == user.pk:
            raise NotAllowed(
                "Someone other than the person who sent it for review must approve it."
            )
    checked = _checked_or_raise(check_source(item.organization_id, item.source, slug=item.slug))
    refusal = coding.publish_refusal(checked.question.content)
    if refusal:
        raise LibraryError(refusal)
    question, _, _ = save_question(checked.question, Topic.objects.get(slug=checked.question.topic))
    item.question = question
    item.status = Status.PUBLISHED
    item.published_by = user
    item.save(update_fields=["question", "status", "published_by", "updated_at"])
    _audit(events.LIBRARY_PUBLISHED, item, user)
    return item


def _set_active(item: LibraryItem, user, active: bool) -> LibraryItem:
    if item.question_id is None:
        raise Conflict("This question was never published.")
    question = item.question
    if question.is_active == active:
        raise Conflict("This question is already " + ("in use." if active else "retired."))
    question.is_active = active
    question.save(update_fields=["is_active", "updated_at"])
    _audit(events.LIBRARY_RESTORED if active else events.LIBRARY_RETIRED, item, user)
    return item


def item_retire(item: LibraryItem, user) -> LibraryItem:
    """No new test picks or draws it; attempts that hold it keep it."""
    return _set_active(item, user, False)


def item_restore(item: LibraryItem, user) -> LibraryItem:
    return _set_active(item, user, True)


@dataclass
class ImportSummary:
    created: list[str]
    updated: list[str]


@transaction.atomic
def library_import(organization: Organization, user, text: str) -> ImportSummary:
    """Every question of a bank-format file as a draft (a new item, or a new working copy
    of an item with the same id and kind); one bad question refuses the whole file."""
    raws, errors = split_import(text)
    if errors:
        raise LibraryError(errors)
    checked: list[tuple[Checked, object]] = []
    seen: set[str] = set()
    for number, raw in enumerate(raws, start=1):
        if isinstance(raw, Mapping) and isinstance(raw.get("id"), str):
            coding.request_build(stored_key(organization.pk, raw["id"]), organization.pk, raw)
        result = check_mapping(organization.pk, raw)
        problems = [] if building(result) else list(result.errors)
        if (result.ok or building(result)) and result.slug in seen:
            problems.append(f"the id {result.slug!r} is in the file twice")
        seen.add(result.slug)
        errors += [f"question {number}: {problem}" for problem in problems]
        checked.append((result, raw))
    if errors:
        raise LibraryError(errors)
    existing = {
        item.slug: item
        for item in LibraryItem.objects.select_for_update().filter(
            organization=organization, slug__in=seen
        )
    }
    summary = ImportSummary([], [])
    for result, raw in checked:
        source = dump_text(plain(raw))
        item = existing.get(result.slug)
        if item is None:
            LibraryItem.objects.create(
                organization=organization,
                slug=result.slug,
                kind=result.kind,
                source=source,
                created_by=user,
            )
            summary.created.append(result.slug)
        elif item.kind != result.kind:
            raise LibraryError(f"{result.slug}: 'kind' must stay {item.kind}.")
        else:
            item_update(item, user, source)
            summary.updated.append(result.slug)
    return summary
