"""Editing the bank in the Django admin: same validation as loadbank, new versions."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from quizzes.bankfiles import load_bank, question_to_file_entry, read_bank
from quizzes.models import Question
from quizzes.yamlio import dump_text

from .conftest import SINGLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, bank_dir):
    bank_dir("mcq/op.yaml", SINGLE)
    load_bank(read_bank(bank_dir.root))
    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-123456789")
    client.force_login(admin)
    return client


def _change_url() -> str:
    return reverse("admin:quizzes_question_change", args=[Question.objects.get(key="op-eps").pk])


def test_the_change_page_shows_a_preview_with_the_key_and_the_yaml(editor):
    html = editor.get(_change_url()).content.decode()
    assert "Why is epsilon added to the variance?" in html
    assert "Answer key:" in html and "To avoid dividing by zero when a channel is constant" in html
    assert "id: op-eps" in html


def _form(yaml_text: str) -> dict:
    # The versions inline is read-only; its management form still has to be posted.
    return {"content_yaml": yaml_text, "versions-TOTAL_FORMS": 0, "versions-INITIAL_FORMS": 0}


def _current_yaml() -> str:
    question = Question.objects.get(key="op-eps")
    return dump_text(question_to_file_entry(question.latest_version.content, question.pool))


def test_saving_an_edit_creates_a_new_version(editor):
    edited = _current_yaml().replace("Why is epsilon added", "What is epsilon for")
    response = editor.post(_change_url(), _form(edited))
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(key="op-eps")
    assert question.latest_version.number == 2
    assert "What is epsilon for" in question.latest_version.content["prompt"]


def test_an_invalid_edit_is_refused_with_the_loader_message(editor):
    response = editor.post(
        _change_url(), _form(_current_yaml().replace("level: junior", "level: guru"))
    )
    assert response.status_code == 200
    assert "must be one of junior, mid, senior" in response.content.decode()
    assert Question.objects.get(key="op-eps").latest_version.number == 1


def test_the_bank_list_filters_by_topic_level_and_kind(editor):
    html = editor.get(
        reverse("admin:quizzes_question_changelist")
        + "?level__exact=junior&kind__exact=single_choice"
    ).content.decode()
    assert "op-eps" in html
    html = editor.get(
        reverse("admin:quizzes_question_changelist") + "?level__exact=senior"
    ).content.decode()
    assert "op-eps" not in html


def test_the_id_cannot_be_changed_in_the_admin(editor):
    response = editor.post(
        _change_url(), _form(_current_yaml().replace("id: op-eps", "id: op-other"))
    )
    assert "the id cannot change here" in response.content.decode()
    assert not Question.objects.filter(key="op-other").exists()


def test_questions_cannot_be_deleted_only_retired(editor):
    url = reverse("admin:quizzes_question_delete", args=[Question.objects.get(key="op-eps").pk])
    assert editor.get(url).status_code == 403


def test_a_new_question_can_be_added_as_yaml(editor):
    new = (
        _current_yaml()
        .replace("id: op-eps", "id: op-eps-copy")
        .replace("Why is epsilon", "Why, again, is epsilon")
    )
    response = editor.post(reverse("admin:quizzes_question_add"), _form(new))
    assert response.status_code == 302
    question = Question.objects.get(key="op-eps-copy")
    assert question.latest_version.number == 1 and question.level == "junior"


def test_an_edit_naming_an_unknown_exclusion_is_refused(editor):
    edited = _current_yaml().replace("level: junior\n", "level: junior\nexcludes: [op-nowhere]\n")
    response = editor.post(_change_url(), _form(edited))
    assert response.status_code == 200
    assert "names unknown id" in response.content.decode()
    assert Question.objects.get(key="op-eps").excludes == []


def test_a_retired_question_stays_retired_when_the_bank_reloads_until_returned(editor, bank_dir):
    changelist = reverse("admin:quizzes_question_changelist")
    pk = Question.objects.get(key="op-eps").pk
    response = editor.post(changelist, {"action": "retire", "_selected_action": [pk]})
    assert response.status_code == 302
    assert Question.objects.get(key="op-eps").is_active is False
    load_bank(read_bank(bank_dir.root))
    assert Question.objects.get(key="op-eps").is_active is False
    editor.post(changelist, {"action": "return_to_bank", "_selected_action": [pk]})
    question = Question.objects.get(key="op-eps")
    assert (question.is_active, question.retired_in_admin) == (True, False)


def test_the_changelist_filters_over_exposed_questions(editor, settings):
    settings.QUIZZES_EXPOSURE_LIMIT = 50
    Question.objects.filter(key="op-eps").update(seen_by=80)
    html = editor.get(reverse("admin:quizzes_question_changelist"), {"exposure": "over"})
    assert "op-eps" in html.content.decode()
    Question.objects.filter(key="op-eps").update(seen_by=20)
    html = editor.get(reverse("admin:quizzes_question_changelist"), {"exposure": "over"})
    assert "op-eps" not in html.content.decode()
