"""Multiple-choice inputs post per-attempt opaque values, never the bank's choice index."""

import json
import re

import pytest
from django.urls import reverse

from assess.attempts.services import attempt_start, choice_value
from quizzes.models import Kind
from tests.assess import factories

pytestmark = pytest.mark.django_db


def _single(attempt):
    return next(
        a
        for a in attempt.answers.select_related("question_version")
        if a.kind == Kind.SINGLE_CHOICE
    )


def _page_values(client, token, number) -> list[str]:
    html = client.get(reverse("assess:attempt_question", args=[token, number])).content.decode()
    return re.findall(r'name="choice"\s+value="([^"]+)"', html)


def _save(client, token, number, response, revision):
    return client.post(
        reverse("assess:answer_autosave", args=[token, number]),
        json.dumps({"response": response, "revision": revision}),
        content_type="application/json",
    )


def test_choice_values_are_opaque_per_attempt_and_save_the_right_choice(client, assessment):
    first_inv, first_token = factories.make_invitation(assessment, name="Ada One")
    second_inv, second_token = factories.make_invitation(assessment, name="Bo Two")
    first, second = attempt_start(first_inv), attempt_start(second_inv)
    answer = _single(first)
    number = answer.position + 1
    values = _page_values(client, first_token, number)
    assert len(values) == 3 and not any(v.isdigit() for v in values)
    assert set(values).isdisjoint(_page_values(client, second_token, _single(second).position + 1))
    # Posting the value shown for bank choice 2 stores bank choice 2.
    saved = _save(client, first_token, number, choice_value(answer, 2), 0)
    assert saved.status_code == 200
    answer.refresh_from_db()
    assert answer.response == 2
    # The page shows it picked by its opaque value; a stale tab gets opaque values back.
    html = client.get(reverse("assess:attempt_question", args=[first_token, number])).content
    assert f'value="{choice_value(answer, 2)}" checked'.encode() in html
    stale = _save(client, first_token, number, choice_value(answer, 0), 0)
    assert stale.status_code == 409 and stale.json()["response"] == choice_value(answer, 2)


@pytest.mark.parametrize("posted", [0, "0", [0], 1.0, "c000000000000", True])
def test_a_bank_index_or_a_made_up_value_is_refused(client, assessment, posted):
    inv, token = factories.make_invitation(assessment)
    answer = _single(attempt_start(inv))
    response = _save(client, token, answer.position + 1, posted, 0)
    assert response.status_code == 400 and "Unknown choice" in response.json()["error"]
    answer.refresh_from_db()
    assert answer.response is None and answer.revision == 0
