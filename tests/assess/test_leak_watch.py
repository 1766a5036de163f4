"""The leak watch: a question's exposure (candidates and organizations that saw it) shown in
the builder, and a leaked question retired: its history kept, new tests never take it."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from assess.attempts.services import attempt_start
from assess.hiring.selectors import bank_browse
from assess.review.item_responses import item_statistics_refresh
from quizzes.item_statistics import question_retire
from quizzes.models import Question
from tests.assess import factories


def _builder_row(client, assessment, key: str) -> str:
    page = client.get(reverse("org:builder", args=["acme", assessment.pk])).content.decode()
    match = re.search(rf'<tr data-key="{key}">.*?</tr>', page, re.S)
    return " ".join(match.group(0).split()) if match else ""


@pytest.fixture
def seen_in_two_organizations(org, bank):
    """`single` shown to two candidates of acme and one of globex; `multiple` to acme's."""
    ours = factories.make_assessment(org, [bank["single"], bank["multiple"]])
    theirs = factories.make_assessment(factories.make_org("globex"), [bank["single"]])
    for n in range(2):
        attempt_start(factories.make_invitation(ours, name=f"Ada {n}")[0])
    attempt_start(factories.make_invitation(theirs, name="Grace Hopper")[0])
    item_statistics_refresh()
    return ours


def test_exposure_counts_candidates_across_organizations(seen_in_two_organizations, bank):
    single = Question.objects.get(pk=bank["single"].pk)
    multiple = Question.objects.get(pk=bank["multiple"].pk)
    assert (single.seen_by, single.seen_in_organizations) == (3, 2)
    assert (multiple.seen_by, multiple.seen_in_organizations) == (2, 1)


def test_the_builder_says_how_exposed_each_question_is(
    client, recruiter, seen_in_two_organizations, bank
):
    assessment = seen_in_two_organizations
    row = _builder_row(client, assessment, bank["single"].key)
    assert "seen by 3 candidates in 2 organizations" in row
    assert "widely seen" not in row
    assert "seen by 2 candidates</span>" in _builder_row(client, assessment, bank["multiple"].key)
    assert "seen by 0 candidates" in _builder_row(client, assessment, bank["written"].key)
    with override_settings(QUIZZES_EXPOSURE_LIMIT=2):
        assert "widely seen" in _builder_row(client, assessment, bank["single"].key)


def test_a_retired_question_keeps_its_history_and_no_new_test_takes_it(
    client, recruiter, seen_in_two_organizations, bank
):
    assessment = seen_in_two_organizations
    leaked = Question.objects.filter(pk=bank["single"].pk)
    earlier = list(
        assessment.attempts.values_list("answers__question_version__question_id", flat=True)
    )
    assert question_retire(leaked) == 1
    # The attempts that showed it still point at the version they showed.
    assert (
        list(assessment.attempts.values_list("answers__question_version__question_id", flat=True))
        == earlier
    )
    # New candidates of the same assessment no longer get it; the builder no longer offers it.
    attempt = attempt_start(factories.make_invitation(assessment, name="Alan Turing")[0])
    keys = {a.question_version.question.key for a in attempt.answers.all()}
    assert keys == {bank["multiple"].key}
    assert not bank_browse().filter(pk=bank["single"].pk).exists()
    assert _builder_row(client, assessment, bank["single"].key) == ""
