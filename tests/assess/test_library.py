"""An organization's question library: authors write, preview, review, publish, version,
retire and restore their own questions, held to the bank's validators and cue linter;
a candidate answers a library question and it is scored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.library import services
from assess.library.authoring import STARTERS
from assess.library.models import LibraryItem, Status
from quizzes.models import Pool
from tests.assess import factories
from tests.assess.library_support import NUMERIC, SINGLE, make_people, publish


@pytest.fixture
def people(db, django_user_model, org, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    factories.make_topics()
    return make_people(django_user_model, org)[0]


def _url(name, org, **kwargs):
    return reverse(f"org:{name}", kwargs={"org_slug": org.slug, **kwargs})


# The coding starter is built by a grading worker between its check and its save:
# test_library_coding.py walks it through the same pages.
@pytest.mark.parametrize("kind", sorted(set(STARTERS) - {"coding"}))
def test_admin_writes_previews_saves_and_publishes_each_kind(client, org, people, kind):
    client.force_login(people["admin"])
    page = client.get(_url("library_new", org) + f"?kind={kind}&editor=yaml")
    assert page.status_code == 200
    source = page.context["form"].initial["source"]
    preview = client.post(_url("library_new", org), {"source": source, "preview": "1"})
    assert preview.status_code == 200
    assert "As the candidate sees it" in preview.content.decode()
    assert not LibraryItem.objects.exists()  # a preview saves nothing
    saved = client.post(_url("library_new", org), {"source": source, "save": "1"})
    item = LibraryItem.objects.get(organization=org)
    assert saved.status_code == 302 and item.status == Status.DRAFT and item.kind == kind
    client.post(_url("library_publish", org, item_id=item.pk))
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    assert item.question.pool == Pool.PRIVATE and item.question.latest_version.number == 1
    assert item.question.key == f"org{org.pk}-my-question"


def test_preview_shows_the_candidate_view_without_the_key_marked(client, org, people):
    client.force_login(people["admin"])
    page = client.post(_url("library_new", org), {"source": SINGLE, "preview": "1"})
    preview = page.content.decode().split('id="preview"')[1].split("For the hiring team")[0]
    assert "A division by zero" in preview and "correct" not in preview


def test_validator_errors_are_shown_and_nothing_is_saved(client, org, people):
    client.force_login(people["admin"])
    bad = SINGLE.replace("correct: false", "correct: true", 1)
    page = client.post(_url("library_new", org), {"source": bad, "save": "1"})
    assert page.status_code == 400
    assert "single_choice needs exactly one correct choice, found 2" in page.content.decode()
    assert "acme-eps" in page.content.decode() and f"org{org.pk}-" not in page.content.decode()
    assert not LibraryItem.objects.exists()


def test_the_cue_linter_gives_advice_without_refusing(client, org, people):
    client.force_login(people["admin"])
    cued = SINGLE.replace(
        "Running statistics that follow the batch too slowly.", "It always fixes the scale."
    ).replace("An output scale that drifts during fine-tuning.", "It never changes anything.")
    page = client.post(_url("library_new", org), {"source": cued, "save": "1"})
    assert page.status_code == 302
    item = LibraryItem.objects.get()
    page = client.get(_url("library_item", org, item_id=item.pk))
    assert "absolute: 2 distractors use absolute words" in page.content.decode()


def test_who_may_write(client, org, people):
    for name, status in (("admin", 200), ("author", 200), ("recruiter", 403), ("reviewer", 403)):
        client.force_login(people[name])
        assert client.get(_url("library_new", org)).status_code == status, name
    client.force_login(people["recruiter"])
    assert client.get(_url("library", org)).status_code == 200  # reads, cannot write
    assert client.post(_url("library_new", org), {"source": SINGLE, "save": "1"}).status_code == 403
    assert not LibraryItem.objects.exists()


def test_second_person_review_when_the_organization_asks_for_it(org, people):
    services.policy_update(org, review_required=True, authors=[people["author"]])
    item = services.item_create(org, people["author"], SINGLE)
    with pytest.raises(services.Conflict, match="send it for review first"):
        services.item_publish(item, people["author"])
    services.item_submit(item, people["author"])
    with pytest.raises(services.NotAllowed, match="Someone other than"):
        services.item_publish(item, people["author"])
    item = services.item_publish(item, people["admin"])
    assert item.status == Status.PUBLISHED and item.published_by == people["admin"]


def test_an_attempt_keeps_the_version_it_was_given(org, people):
    item = publish(org, people["admin"], SINGLE)
    first = attempt_start(
        factories.make_invitation(
            factories.make_assessment(org, [item.question]), name="Ann First"
        )[0]
    )
    edited = SINGLE.replace("guard against?", "guard against, in one phrase?")
    services.item_update(item, people["admin"], edited)
    item.refresh_from_db()
    assert item.status == Status.DRAFT
    assert item.question.latest_version.number == 1  # the draft is not given to anyone
    services.item_publish(item, people["admin"])
    item.question.refresh_from_db()
    assert item.question.latest_version.number == 2
    second = attempt_start(
        factories.make_invitation(
            factories.make_assessment(org, [item.question]), name="Bob Second"
        )[0]
    )
    assert first.answers.get().question_version.number == 1
    assert "one phrase" not in first.answers.get().question_version.content["prompt"]
    assert second.answers.get().question_version.number == 2


def test_the_id_and_kind_cannot_change_and_ids_are_unique(org, people):
    item = services.item_create(org, people["admin"], SINGLE)
    with pytest.raises(services.LibraryError, match="'id' must stay 'acme-eps'"):
        services.item_update(item, people["admin"], SINGLE.replace("acme-eps", "other-id"))
    with pytest.raises(services.Conflict, match="already has a question with the id"):
        services.item_create(org, people["admin"], SINGLE)


def test_retire_and_restore(client, org, people):
    item = publish(org, people["admin"], SINGLE)
    assessment = factories.make_assessment(org, [])
    client.force_login(people["recruiter"])
    builder = _url("builder", org, assessment_id=assessment.pk)
    assert item.question.key in client.get(builder).content.decode()
    services.item_retire(item, people["admin"])
    assert item.question.key not in client.get(builder).content.decode()
    services.item_restore(item, people["admin"])
    assert item.question.key in client.get(builder + "?source=library").content.decode()
    assert item.question.key not in client.get(builder + "?source=bank").content.decode()


def test_a_candidate_answers_a_numeric_formula_question_and_it_is_scored(org, people):
    item = publish(org, people["admin"], NUMERIC)
    assessment = factories.make_assessment(org, [item.question])
    attempt = attempt_start(factories.make_invitation(assessment)[0])
    answer = attempt.answers.select_related("question_version").get()
    values = answer.question_version.content["params"]
    from quizzes.numeric import draw_values

    v = draw_values(values, answer.seed)
    right = (v["x"] - v["mu"]) / v["var"] ** 0.5
    answer_save(attempt, answer.position, f"{right:.4f}", answer.revision)
    attempt = attempt_submit(attempt)
    answer.refresh_from_db()
    assert answer.score == 1.0


def test_export_then_import_round_trips_and_bad_files_import_nothing(client, org, people):
    publish(org, people["admin"], SINGLE)
    services.item_create(org, people["admin"], NUMERIC)
    client.force_login(people["admin"])
    exported = client.get(_url("library_export", org)).content.decode()
    assert "id: acme-eps" in exported and "id: acme-zscore" in exported
    assert f"org{org.pk}" not in exported and "pool" not in exported
    other = factories.make_org("initech")
    summary = services.library_import(other, people["admin"], exported)
    assert sorted(summary.created) == ["acme-eps", "acme-zscore"]
    again = services.library_import(other, people["admin"], exported)
    assert sorted(again.updated) == ["acme-eps", "acme-zscore"]
    broken = exported.replace("kind: numeric", "kind: essay")
    with pytest.raises(services.LibraryError, match=r"question 2: .*'kind' must be one of"):
        services.library_import(factories.make_org("umbrella"), people["admin"], broken)
    assert not LibraryItem.objects.filter(organization__slug="umbrella").exists()


def test_its_item_statistics_appear_on_its_page_once_candidates_answered(client, org, people):
    from assess.review.item_responses import item_statistics_refresh

    item = publish(org, people["admin"], SINGLE)
    other = factories.make_bank("single")["single"]
    assessment = factories.make_assessment(org, [item.question, other])
    for number, right in enumerate((True, True, False, False)):
        invitation, _ = factories.make_invitation(assessment, name=f"Cand {number}")
        attempt = attempt_start(invitation)
        for answer in attempt.answers.select_related("question_version"):
            choices = answer.question_version.content["choices"]
            pick = next(i for i, c in enumerate(choices) if c["correct"] == right)
            answer_save(attempt, answer.position, pick, answer.revision)
        attempt_submit(attempt)
    item_statistics_refresh()
    client.force_login(people["recruiter"])
    page = client.get(_url("library_item", org, item_id=item.pk)).content.decode()
    table = page.split('id="statistics"')[1]
    assert "every attempt" in table and f"assessment {assessment.pk}" in table
    assert "<td>4</td>" in table and "0.50" in table  # 4 responses, half right


def test_the_admin_chooses_authors_and_review_and_only_the_admin(client, org, people):
    url = _url("library_settings", org)
    client.force_login(people["recruiter"])
    assert client.get(url).status_code == 403
    client.force_login(people["admin"])
    outsider = people["other_recruiter"]
    refused = client.post(url, {"review_required": "on", "authors": [outsider.pk]})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    for hostile in ("x", "1\x00", "9" * 40, "NaN"):
        response = client.post(url, {"authors": [hostile]})
        assert response.status_code == 200, hostile
        assert 'role="alert"' in response.content.decode()
    assert (
        client.post(url, {"review_required": "on", "authors": [people["recruiter"].pk]}).status_code
        == 302
    )
    policy = services.library_policy(org)
    assert policy.review_required and list(policy.authors.all()) == [people["recruiter"]]
    client.force_login(people["recruiter"])
    assert client.get(_url("library_new", org)).status_code == 200
    client.force_login(people["author"])  # no longer allowed
    assert client.get(_url("library_new", org)).status_code == 403


def test_an_adaptive_section_asks_the_library_questions_picked_into_it(org, people):
    from assess.attempts.services import adaptive_confirm
    from assess.hiring.services import section_set_adaptive

    items = [
        publish(
            org,
            people["admin"],
            SINGLE.replace("acme-eps", f"acme-eps-{n}").replace(
                "guard against?", f"guard against (variant {n})?"
            ),
        )
        for n in range(4)
    ]
    factories.make_bank("single")  # a bank question the section must not ask
    assessment = factories.make_assessment(org, [item.question for item in items])
    section_set_adaptive(
        assessment.sections.get(),
        adaptive=True,
        adaptive_min_items=2,
        adaptive_max_items=4,
        adaptive_target_se=0.05,
        adaptive_exposure=1,
    )
    attempt = attempt_start(factories.make_invitation(assessment)[0])
    answer, asked = attempt.answers.order_by("-position").first(), []
    while answer is not None:
        asked.append(answer.question_version.question_id)
        answer_save(attempt, answer.position, 0, answer.revision)
        answer = adaptive_confirm(attempt, answer.position)
    assert sorted(asked) == sorted(item.question_id for item in items)


def test_review_through_the_pages_needs_a_second_author(client, org, people):
    services.policy_update(org, review_required=True, authors=[people["author"]])
    client.force_login(people["author"])
    client.post(_url("library_new", org), {"source": SINGLE, "save": "1"})
    item = LibraryItem.objects.get()
    page = client.get(_url("library_item", org, item_id=item.pk)).content.decode()
    assert "Send for review" in page and "Publish</button>" not in page
    client.post(_url("library_submit", org, item_id=item.pk))
    refused = client.post(_url("library_publish", org, item_id=item.pk), follow=True)
    assert "Someone other than the person who sent it for review" in refused.content.decode()
    item.refresh_from_db()
    assert item.status == Status.IN_REVIEW and item.question is None
    client.force_login(people["recruiter"])  # not an author: cannot approve
    assert client.post(_url("library_publish", org, item_id=item.pk)).status_code == 403
    client.force_login(people["admin"])
    client.post(_url("library_publish", org, item_id=item.pk))
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.published_by == people["admin"]
