"""An organization's own topics: an author adds one, its questions name it, the builder
filters by it; nobody else ever sees it (another organization's builder and draw form,
practice, the API's bank, the bank files); a topic in use cannot be deleted; hostile input
on the topic fields gets a clear error."""

from __future__ import annotations

import pytest
import yaml
from django.urls import reverse

from assess.api.models import ApiToken
from assess.library.models import LibraryTopic
from assess.library.topics import MAX_TOPICS, topic_create
from quizzes.bankfiles import dump_bank
from quizzes.models import Question, Topic
from tests.api.conftest import client_for
from tests.assess import factories
from tests.assess.library_support import SINGLE, make_people, publish

OWN = SINGLE.replace("topic: normalization-operation", "topic: our-inference-stack")
TITLE = "Our inference stack (ONNX export)"


@pytest.fixture
def people(db, django_user_model, org, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    factories.make_topics()
    return make_people(django_user_model, org)[0]


def _url(name, org, **kwargs):
    return reverse(f"org:{name}", kwargs={"org_slug": org.slug, **kwargs})


def _add(client, org, slug="our-inference-stack", title=TITLE, **extra):
    return client.post(_url("library_topics", org), {"slug": slug, "title": title, **extra})


def test_an_author_adds_a_topic_and_the_builder_filters_by_it(client, org, people):
    client.force_login(people["author"])
    assert _add(client, org).status_code == 302
    page = client.get(_url("library_topics", org)).content.decode()
    assert "our-inference-stack" in page and TITLE in page
    item = publish(org, people["author"], OWN)
    assert item.question.topic.title == TITLE and item.question.topic.private
    assessment = factories.make_assessment(org, [])
    builder = _url("builder", org, assessment_id=assessment.pk)
    client.force_login(people["recruiter"])
    listed = client.get(builder).content.decode()
    assert TITLE in listed
    only_ours = client.get(builder, {"topic": item.question.topic.slug}).content.decode()
    assert item.question.key in only_ours
    bank_topic = client.get(builder, {"topic": "normalization-operation"}).content.decode()
    assert item.question.key not in bank_topic


def test_nobody_outside_the_organization_sees_the_topic(client, org, people):
    client.force_login(people["admin"])
    _add(client, org)
    publish(org, people["admin"], OWN)
    own = LibraryTopic.objects.get()
    other = people["other_recruiter"].memberships.get().organization

    client.force_login(people["other_recruiter"])
    theirs = factories.make_assessment(other, [])
    assert TITLE not in client.get(_url("builder", other, assessment_id=theirs.pk)).content.decode()
    section = theirs.sections.first() or theirs.sections.create(title="Part 1")
    draw = reverse("org:section_change", args=[other.slug, theirs.pk, section.pk, "draw"])
    refused = client.post(draw, {"draw_count": 0, "draw_topic": own.topic_id}, follow=True)
    assert "Select a valid choice" in refused.content.decode()
    section.refresh_from_db()
    assert section.draw_topic_id is None
    bank_topic = Topic.objects.get(slug="normalization-operation")
    client.post(draw, {"draw_count": 0, "draw_topic": bank_topic.pk})
    section.refresh_from_db()
    assert section.draw_topic_id == bank_topic.pk  # the same form takes a bank topic
    assert client.get(_url("library_topics", org)).status_code == 404
    client.force_login(people["other_admin"])
    assert (
        client.post(_url("library_topic", other, topic_id=own.pk), {"title": "x"}).status_code
        == 404
    )

    assert TITLE not in client.get(reverse("quizzes:practice_home")).content.decode()
    bank_api = client_for(ApiToken.issue(other, "staff", can_read_bank=True)[1])
    slugs = [t["slug"] for t in bank_api.get("/api/v1/bank/topics/").json()["results"]]
    assert slugs and own.topic.slug not in slugs


def test_the_bank_files_never_hold_the_topic(org, people, tmp_path):
    topic_create(org, people["admin"], slug="our-inference-stack", title=TITLE)
    publish(org, people["admin"], OWN)
    dump_bank(tmp_path)
    assert "our-inference-stack" not in "".join(p.read_text() for p in tmp_path.rglob("*.yaml"))


def test_export_names_the_authors_topic_and_imports_back(client, org, people):
    client.force_login(people["admin"])
    _add(client, org)
    publish(org, people["admin"], OWN)
    exported = client.get(_url("library_export", org)).content.decode()
    assert yaml.safe_load(exported)["questions"][0]["topic"] == "our-inference-stack"
    assert f"org{org.pk}-" not in exported


def test_a_topic_in_use_is_not_deleted_and_an_unused_one_is(client, org, people):
    client.force_login(people["admin"])
    _add(client, org)
    client.post(_url("library_new", org), {"source": OWN, "save": "1"})  # a draft names it
    own = LibraryTopic.objects.get()
    delete = _url("library_topic", org, topic_id=own.pk)
    page = client.post(delete, {"action": "delete"}, follow=True).content.decode()
    assert "1 of your questions name the topic" in page
    assert LibraryTopic.objects.exists()
    _add(client, org, slug="spare-topic", title="Spare")
    spare = LibraryTopic.objects.get(slug="spare-topic")
    client.post(_url("library_topic", org, topic_id=spare.pk), {"action": "delete"})
    assert not LibraryTopic.objects.filter(slug="spare-topic").exists()
    assert not Topic.objects.filter(slug=f"org{org.pk}-spare-topic").exists()


def test_a_rename_shows_where_the_topic_is_shown(client, org, people):
    client.force_login(people["admin"])
    _add(client, org)
    item = publish(org, people["admin"], OWN)
    own = LibraryTopic.objects.get()
    prefix = f"t{own.pk}-"
    response = client.post(
        _url("library_topic", org, topic_id=own.pk),
        {prefix + "title": "Serving", prefix + "description": "", "action": "save"},
    )
    assert response.status_code == 302
    assert Question.objects.get(pk=item.question_id).topic.title == "Serving"


def test_a_question_naming_another_organizations_topic_is_refused(client, org, people):
    other = people["other_admin"].memberships.get().organization
    topic_create(other, people["other_admin"], slug="their-topic", title="Theirs")
    client.force_login(people["admin"])
    for name in ("their-topic", f"org{other.pk}-their-topic"):
        source = SINGLE.replace("topic: normalization-operation", f"topic: {name}")
        page = client.post(_url("library_new", org), {"source": source, "save": "1"})
        assert page.status_code == 400
        assert "unknown topic" in page.content.decode()


@pytest.mark.parametrize(
    ("slug", "title", "words"),
    [
        ("", TITLE, "This field is required"),
        ("ab", TITLE, "3-60 characters"),
        ("Our Topic", TITLE, "3-60 characters"),
        ("-lead", TITLE, "not starting with"),
        ("x" * 61, TITLE, "at most 60 characters"),
        ("a\x00b-topic", TITLE, "3-60 characters"),
        ("normalization-operation", TITLE, "The bank has a topic with the id"),
        ("fine-topic", "", "This field is required"),
        ("fine-topic", "two\nlines", "single line"),
        ("fine-topic", "nul\x00here", "Null characters are not allowed"),
        ("fine-topic", "x" * 201, "at most 200 characters"),
    ],
)
def test_hostile_topic_fields_get_a_clear_error(client, org, people, slug, title, words):
    client.force_login(people["admin"])
    response = _add(client, org, slug=slug, title=title)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not LibraryTopic.objects.exists()


def test_a_duplicate_and_one_topic_too_many_are_refused(client, org, people):
    client.force_login(people["admin"])
    _add(client, org)
    again = _add(client, org, title="Again")
    assert again.status_code == 400 and "already has a topic" in again.content.decode()
    for n in range(MAX_TOPICS - 1):
        topic_create(org, people["admin"], slug=f"topic-{n:03d}", title=f"T{n}")
    full = _add(client, org, slug="one-more", title="One more")
    assert full.status_code == 400 and f"{MAX_TOPICS} topics" in full.content.decode()


def test_readers_who_may_not_write_cannot_add_topics(client, org, people):
    client.force_login(people["recruiter"])  # not an author
    assert _add(client, org).status_code == 403
    client.force_login(people["reviewer"])
    assert _add(client, org).status_code in (403, 404)
    assert not LibraryTopic.objects.exists()


def test_a_topic_a_tests_draw_filters_by_is_not_deleted(client, org, people):
    client.force_login(people["admin"])
    _add(client, org)
    own = LibraryTopic.objects.get()
    assessment = factories.make_assessment(org, [])
    section = assessment.sections.get()
    section.draw_topic = own.topic
    section.save()
    page = client.post(
        _url("library_topic", org, topic_id=own.pk), {"action": "delete"}, follow=True
    )
    assert page.status_code == 200
    assert f"The random draw of {assessment.title} filters by the topic" in page.content.decode()
    assert LibraryTopic.objects.filter(pk=own.pk).exists()
