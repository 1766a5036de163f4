"""An organization's own topics: added, renamed and deleted by its authors, offered beside
the bank's topics in its own builder and editor only.

Each is a private `quizzes.Topic` under a namespaced slug (`authoring.stored_key`), so the
bank's lists (`Topic.objects.bank()`: practice, the bank files, the API's bank) never hold
it and another organization never learns it exists.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet

from assess.hiring.models import Section
from assess.orgs.models import Organization
from quizzes.bankvalidate import KEY_PATTERN_CHARS
from quizzes.models import Topic

from .authoring import MAX_SLUG_CHARS, MAX_SOURCE_CHARS, parse_yaml, stored_key
from .models import LibraryItem, LibraryTopic
from .services import Conflict, LibraryError

MAX_TOPICS = 100
TOPIC_ID_RULE = (
    f"An id is 3-{MAX_SLUG_CHARS} characters of a-z, 0-9 and '-', not starting with '-'."
)


def topic_id_problem(value: str) -> str | None:
    """Why `value` cannot be a topic's id, or None (the bank's key characters)."""
    if (
        not 3 <= len(value) <= MAX_SLUG_CHARS
        or set(value) - KEY_PATTERN_CHARS
        or value.startswith("-")
    ):
        return TOPIC_ID_RULE
    return None


# After the bank's topics in every list.
OWN_TOPIC_POSITION = 10_000


def topics_for(organization: Organization | None) -> QuerySet[Topic]:
    """The topics an organization's pages offer: the bank's, then its own."""
    own = Q(private=True, library_topic__organization=organization)
    if organization is None:
        return Topic.objects.bank()
    return Topic.objects.filter(Q(private=False) | own).order_by("position", "title")


def own_topics(organization: Organization) -> QuerySet[LibraryTopic]:
    return LibraryTopic.objects.filter(organization=organization).select_related("topic")


def topics_in_use(organization: Organization) -> dict[str, int]:
    """How many of the organization's questions name each of its topics: published ones
    and working copies (a draft naming a deleted topic could never be published)."""
    published = own_topics(organization).annotate(questions=Count("topic__questions"))
    counts = dict(published.values_list("slug", "questions"))
    for item in LibraryItem.objects.filter(organization=organization, question__isnull=True):
        raw, _ = parse_yaml(item.source, limit=MAX_SOURCE_CHARS)
        topic = raw.get("topic") if isinstance(raw, dict) else None
        if topic in counts:
            counts[topic] += 1
    return counts


def topic_create(
    organization: Organization, user, *, slug: str, title: str, description: str = ""
) -> LibraryTopic:
    """A new topic of the organization (the form checked the characters)."""
    if Topic.objects.bank().filter(slug=slug).exists():
        raise Conflict(f"The bank has a topic with the id {slug!r}: use it, or choose another id.")
    if own_topics(organization).count() >= MAX_TOPICS:
        raise LibraryError(f"Your library has {MAX_TOPICS} topics, the most it may have.")
    try:
        with transaction.atomic():
            topic = Topic.objects.create(
                slug=stored_key(organization.pk, slug),
                title=title,
                description=description,
                position=OWN_TOPIC_POSITION,
                private=True,
            )
            return LibraryTopic.objects.create(
                organization=organization, slug=slug, topic=topic, created_by=user
            )
    except IntegrityError:
        raise Conflict(f"Your library already has a topic with the id {slug!r}.") from None


def topic_update(own: LibraryTopic, *, title: str, description: str = "") -> LibraryTopic:
    """A new title or description; its id stays (questions name it)."""
    Topic.objects.filter(pk=own.topic_id).update(title=title, description=description)
    own.topic.refresh_from_db()
    return own


@transaction.atomic
def topic_delete(own: LibraryTopic) -> None:
    """Only a topic no question names (attempts' reports read a published one's title) and
    no test's random draw filters by."""
    used = topics_in_use(own.organization).get(own.slug, 0)
    if used:
        raise Conflict(
            f"{used} of your questions name the topic {own.slug!r}: move them to another "
            "topic first."
        )
    drawing = Section.objects.filter(draw_topic=own.topic).values_list(
        "assessment__title", flat=True
    )
    if drawing:
        raise Conflict(
            f"The random draw of {', '.join(sorted(set(drawing))[:3])} filters by the topic "
            f"{own.slug!r}: change that draw first."
        )
    own.topic.delete()  # the LibraryTopic goes with it
