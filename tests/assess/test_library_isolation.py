"""Another organization never sees, draws or learns the existence of a library question:
not in its builder, preview, picks or draws, not in the API's bank, not in practice mode,
not through an exclusion or a clashing id. A guessed id is a 404, like one never used."""

from __future__ import annotations

import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from assess.api.models import ApiToken
from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.hiring.draws import assessment_questions
from assess.hiring.models import SectionQuestion
from assess.library import services
from quizzes.bankfiles import dump_bank, load_bank, read_bank
from quizzes.models import Question
from quizzes.practice import practice_start
from tests.assess import factories
from tests.assess.library_support import SINGLE, make_people, publish


@pytest.fixture
def world(db, django_user_model, org, settings):
    """acme publishes `acme-eps`; globex is the other organization."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    bank = factories.make_bank("single", "numeric")
    people, other = make_people(django_user_model, org)
    item = publish(org, people["admin"], SINGLE)
    return {"people": people, "other": other, "item": item, "bank": bank}


def _secret_in(text: str, item) -> bool:
    return item.question.key in text or "guard against" in text or "acme-eps" in text


def test_another_organizations_pages_404_for_the_item(client, org, world):
    item, other = world["item"], world["other"]
    client.force_login(world["people"]["other_admin"])
    for name in ("library_item", "library_publish", "library_retire", "library_restore"):
        own_org = reverse(f"org:{name}", kwargs={"org_slug": other.slug, "item_id": item.pk})
        method = client.get if name == "library_item" else client.post
        assert method(own_org).status_code == 404, name
        acme = reverse(f"org:{name}", kwargs={"org_slug": org.slug, "item_id": item.pk})
        assert method(acme).status_code == 404, name
    page = client.get(reverse("org:library", kwargs={"org_slug": other.slug}))
    assert not _secret_in(page.content.decode(), item)
    exported = client.get(reverse("org:library_export", kwargs={"org_slug": other.slug}))
    assert not _secret_in(exported.content.decode(), item)
    item.question.refresh_from_db()
    assert item.question.is_active  # globex's retire did nothing


def test_another_organizations_builder_neither_lists_previews_nor_picks_it(client, world):
    item, other = world["item"], world["other"]
    assessment = factories.make_assessment(other, [])
    client.force_login(world["people"]["other_recruiter"])
    builder = reverse(
        "org:builder", kwargs={"org_slug": other.slug, "assessment_id": assessment.pk}
    )
    for query in ("", "?source=library", "?source=bank", "?q=acme", "?q=guard"):
        assert not _secret_in(client.get(builder + query).content.decode(), item), query
    preview = reverse(
        "org:question_preview", kwargs={"org_slug": other.slug, "question_id": item.question.pk}
    )
    assert client.get(preview).status_code == 404
    section = assessment.sections.get()
    pick = reverse(
        "org:section_change",
        kwargs={
            "org_slug": other.slug,
            "assessment_id": assessment.pk,
            "section_id": section.pk,
            "action": "pick",
        },
    )
    response = client.post(pick, {"question": item.question.pk}, follow=True)
    assert "Unknown question." in response.content.decode()
    assert not _secret_in(response.content.decode(), item)
    assert not SectionQuestion.objects.filter(section=section).exists()


def test_the_owner_picks_it_and_a_service_refuses_it_to_another(org, world):
    from assess.hiring.services import RecruitingError, section_pick

    item, other = world["item"], world["other"]
    own = factories.make_assessment(org, [])
    section_pick(own.sections.get(), item.question)
    assert own.sections.get().picks.filter(question=item.question).exists()
    theirs = factories.make_assessment(other, [])
    with pytest.raises(RecruitingError, match="^Unknown question.$"):
        section_pick(theirs.sections.get(), item.question)


def test_random_draws_and_practice_never_take_it(org, world):
    item = world["item"]
    for organization in (org, world["other"]):
        assessment = factories.make_assessment(organization, [])
        section = assessment.sections.get()
        section.draw_count = 2  # the whole bank: single and numeric
        section.save()
        for seed in range(5):
            drawn = assessment_questions(assessment, random.Random(seed))
            assert item.question.latest_version_id not in {v.pk for _, v in drawn}
    assert not Question.objects.practice().filter(pk=item.question.pk).exists()
    for _ in range(3):
        try:
            run = practice_start(None, "", 5)
        except Exception:  # noqa: BLE001 - an empty practice pool is fine here
            break
        assert item.question.latest_version_id not in {i["version"] for i in run.items}


def test_the_api_bank_never_shows_it(org, world):
    item = world["item"]
    for organization in (org, world["other"]):
        raw = ApiToken.issue(organization, "Staff tools", can_read_bank=True)[1]
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        listed = api.get("/api/v1/bank/questions/?limit=100")
        assert listed.status_code == 200
        assert not _secret_in(listed.content.decode(), item)
        detail = api.get(f"/api/v1/bank/questions/{item.question.key}/")
        assert detail.status_code == 404


def test_loading_the_bank_files_neither_retires_nor_writes_it(world, tmp_path):
    item = world["item"]
    dump_bank(tmp_path)
    written = "".join(p.read_text() for p in tmp_path.rglob("*.yaml"))
    assert not _secret_in(written, item) and "t-single" in written
    load_bank(read_bank(tmp_path), retire_missing=True)
    item.question.refresh_from_db()
    assert item.question.is_active


def test_ids_and_exclusions_reveal_nothing_about_another_library(world):
    people, other = world["people"], world["other"]
    clash = services.item_create(other, people["other_admin"], SINGLE)  # the same id: fine
    assert clash.slug == "acme-eps"
    acme_key = world["item"].question.key
    for named in ("acme-eps-x", acme_key, "t-single"):
        source = SINGLE.replace("id: acme-eps", f"id: g-two\nexcludes: [{named}]")
        with pytest.raises(services.LibraryError) as refused:
            services.item_create(other, people["other_admin"], source)
        assert f"unknown id {named!r}" in str(refused.value)


def test_the_bank_editors_statistics_page_leaves_library_questions_out(
    client, org, world, django_user_model
):
    item, single = world["item"], world["bank"]["single"]
    assessment = factories.make_assessment(org, [item.question, single])
    attempt = attempt_start(factories.make_invitation(assessment)[0])
    for answer in attempt.answers.all():
        answer_save(attempt, answer.position, 0, 0)
    attempt_submit(attempt)
    call_command("itemstats", stdout=StringIO())
    staff = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    client.force_login(staff)
    page = client.get(reverse("quizzes:bank_statistics")).content.decode()
    assert single.key in page  # the bank's question, answered in the same attempt
    assert not _secret_in(page, item)
