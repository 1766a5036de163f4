"""Random and adaptive draws from an organization's own library: a section draws from the
bank (the default), the library or both; its library is only ever its own, in the builder,
at the attempt's start and over the API; a draw the library cannot fill is refused in words
that say where it looked."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from assess.api.models import ApiToken
from assess.hiring.draws import adaptive_pool, assessment_questions
from assess.hiring.models import DrawSource
from assess.library import services, topics
from tests.api.conftest import assert_error, client_for
from tests.assess import factories
from tests.assess.library_support import NUMERIC, SINGLE, make_people, publish

THEIRS = SINGLE.replace("id: acme-eps", "id: globex-eps")


@pytest.fixture
def world(db, django_user_model, org, settings):
    """acme publishes two questions, globex one; the bank holds a single and a numeric."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    bank = factories.make_bank("single", "numeric")
    people, other = make_people(django_user_model, org)
    ours = [publish(org, people["admin"], text).question for text in (SINGLE, NUMERIC)]
    theirs = publish(other, people["other_admin"], THEIRS).question
    return {"people": people, "other": other, "ours": ours, "theirs": theirs, "bank": bank}


def _drawn_keys(assessment, seeds=range(6)) -> set[str]:
    keys = set()
    for seed in seeds:
        keys |= {v.question.key for _, v in assessment_questions(assessment, random.Random(seed))}
    return keys


def _section(organization, source, count):
    assessment = factories.make_assessment(organization, [])
    section = assessment.sections.get()
    section.draw_count, section.draw_source = count, source
    section.save()
    return assessment, section


def test_each_source_draws_from_where_it_says_and_never_from_another_library(org, world):
    ours = {q.key for q in world["ours"]}
    bank = {q.key for q in world["bank"].values()}
    assessment, _ = _section(org, DrawSource.LIBRARY, 2)
    assert _drawn_keys(assessment) == ours
    assessment, _ = _section(org, DrawSource.BANK, 2)
    assert _drawn_keys(assessment) == bank
    assessment, _ = _section(org, DrawSource.BOTH, 1)
    drawn = _drawn_keys(assessment, seeds=range(40))
    assert drawn <= ours | bank and drawn & ours and drawn & bank
    assessment, _ = _section(world["other"], DrawSource.BOTH, 3)
    assert ours.isdisjoint(_drawn_keys(assessment, seeds=range(20)))
    assert world["theirs"].key in _drawn_keys(assessment, seeds=range(20))


def test_an_adaptive_section_adapts_over_its_source(org, world):
    _, section = _section(org, DrawSource.LIBRARY, 0)
    section.adaptive = True
    section.save()
    assert {q.key for q in adaptive_pool(section)} == {q.key for q in world["ours"]}
    section.draw_source = DrawSource.BANK
    section.save()
    assert {q.key for q in adaptive_pool(section)} == {q.key for q in world["bank"].values()}


def test_the_builder_sets_the_source_and_refuses_a_draw_the_library_cannot_fill(client, org, world):
    client.force_login(world["people"]["recruiter"])
    assessment, section = _section(org, DrawSource.BANK, 0)
    url = reverse("org:section_change", args=[org.slug, assessment.pk, section.pk, "draw"])
    builder = reverse("org:builder", args=[org.slug, assessment.pk])
    assert "Our library" in client.get(builder).content.decode()
    page = client.post(url, {"draw_count": 3, "draw_source": "library"}, follow=True)
    assert "Your library has 2 questions that fit these filters; 3 cannot be drawn." in (
        page.content.decode()
    )
    client.post(url, {"draw_count": 2, "draw_source": "library"})
    section.refresh_from_db()
    assert (section.draw_count, section.draw_source) == (2, DrawSource.LIBRARY)
    hostile = client.post(url, {"draw_count": 1, "draw_source": "theirs\x00"}, follow=True)
    assert "Select a valid choice" in hostile.content.decode()
    section.refresh_from_db()
    assert section.draw_source == DrawSource.LIBRARY


def test_the_api_draws_from_the_library_and_says_so(org, world):
    api = client_for(ApiToken.issue(org, "ATS")[1])
    body = {
        "title": "Our stack",
        "time_limit_minutes": 30,
        "sections": [{"title": "Ours", "draw": {"count": 2, "source": "library"}}],
    }
    created = api.post("/api/v1/assessments/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["sections"][0]["draw"]["source"] == "library"
    body["sections"][0]["draw"]["count"] = 3
    error = assert_error(api.post("/api/v1/assessments/", body, format="json"), 400)
    assert "Only 2 questions of your library" in str(error)
    body["sections"][0]["draw"]["source"] = "everything"
    assert_error(api.post("/api/v1/assessments/", body, format="json"), 400, "invalid")
    other = client_for(ApiToken.issue(world["other"], "ATS")[1])
    body["sections"][0]["draw"].update(count=2, source="library")
    assert "Only 1 questions of your library" in str(
        assert_error(other.post("/api/v1/assessments/", body, format="json"), 400)
    )


def test_the_api_picks_library_questions_by_id_and_reads_them_back_the_same_way(org, world):
    api = client_for(ApiToken.issue(org, "ATS")[1])
    bank_key = world["bank"]["single"].key
    body = {
        "title": "Ours and the bank's",
        "sections": [
            {
                "title": "Picked",
                "questions": ["library:acme-eps", bank_key, "library:acme-zscore"],
                "points": {"library:acme-eps": 3},
            }
        ],
    }
    created = api.post("/api/v1/assessments/", body, format="json")
    assert created.status_code == 201, created.content
    section = api.get(f"/api/v1/assessments/{created.json()['id']}/").json()["sections"][0]
    assert section["questions"] == ["library:acme-eps", bank_key, "library:acme-zscore"]
    assert section["points"] == {"library:acme-eps": 3, bank_key: 1, "library:acme-zscore": 1}
    assessment = org.assessments.get(pk=created.json()["id"])
    asked = [v.question for _, v in assessment_questions(assessment, random.Random(0))]
    assert set(asked) == {world["ours"][0], world["bank"]["single"], world["ours"][1]}


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        # another organization's: as unknown as a made-up id
        ("library:globex-eps", "Unknown or retired questions: library:globex-eps"),
        # a library id without its prefix is not a bank id
        ("acme-eps", "Unknown or retired questions: acme-eps"),
        ("library:", "Unknown or retired questions: library:"),
        ("library:org1-acme-eps", "Unknown or retired questions: library:org1-acme-eps"),
        ("library:" + "x" * 72, "Unknown or retired questions: library:xxx"),
        ("library:" + "x" * 73, "no more than 80 characters"),
        ("library:acme-eps\u0000", "contains a NUL character"),
    ],
)
def test_the_api_refuses_a_library_question_it_may_not_pick(org, world, ref, words):
    api = client_for(ApiToken.issue(org, "ATS")[1])
    body = {"title": "T", "sections": [{"questions": ["library:acme-zscore", ref]}]}
    error = assert_error(api.post("/api/v1/assessments/", body, format="json"), 400)
    assert words in str(error)
    assert not org.assessments.exists()


def test_a_retired_library_question_can_no_longer_be_picked(org, world):
    item = world["ours"][0].library_item
    services.item_retire(item, world["people"]["admin"])
    api = client_for(ApiToken.issue(org, "ATS")[1])
    body = {"title": "T", "sections": [{"questions": ["library:acme-eps"]}]}
    error = assert_error(api.post("/api/v1/assessments/", body, format="json"), 400)
    assert "Unknown or retired questions: library:acme-eps" in str(error)


def test_the_api_draws_by_the_organizations_own_topic(org, world):
    admin = world["people"]["admin"]
    topics.topic_create(org, admin, slug="our-stack", title="Our stack")
    publish(
        org,
        admin,
        NUMERIC.replace("acme-zscore", "acme-ours").replace(
            "topic: normalization-operation", "topic: our-stack"
        ),
    )
    topics.topic_create(
        world["other"], world["people"]["other_admin"], slug="their-stack", title="Theirs"
    )
    api = client_for(ApiToken.issue(org, "ATS")[1])
    body = {
        "title": "T",
        "sections": [{"draw": {"count": 1, "topic": "our-stack", "source": "library"}}],
    }
    created = api.post("/api/v1/assessments/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["sections"][0]["draw"]["topic"] == "our-stack"
    assessment = org.assessments.get(pk=created.json()["id"])
    assert _drawn_keys(assessment) == {f"org{org.pk}-acme-ours"}
    body["sections"][0]["draw"]["topic"] = "their-stack"
    error = assert_error(api.post("/api/v1/assessments/", body, format="json"), 400)
    assert "Unknown topic 'their-stack'" in str(error)
