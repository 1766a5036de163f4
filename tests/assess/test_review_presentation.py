"""What reviewers and recruiters read: a numeric question with the values that candidate
was given, bank Markdown rendered (never raw backticks or `**`), and people's words instead
of internal labels (who scored, the grader's verdict, a submission's status)."""

from __future__ import annotations

import re
import textwrap

import pytest
from django.urls import reverse

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.attempts.workflow import answer_review
from assess.models import Membership, Role
from grader.models import Submission, SubmissionStatus
from quizzes.bankfiles import question_from_yaml, save_question
from quizzes.models import Topic
from tests.assess import factories

MARKDOWN_CHOICE = """
    id: t-markdown
    kind: single_choice
    topic: normalization-operation
    level: junior
    prompt: Why is `eps` added to **the variance**?
    choices:
      - {text: "`eps` keeps a constant channel from dividing by **zero**", correct: true}
      - {text: To make training converge faster, correct: false}
    explanation: A constant channel has zero variance.
"""


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr("grader.routing.submissions_enqueue", lambda ids: len(ids))


@pytest.fixture
def admin(client, db, org, django_user_model):
    """An admin reads both the builder and the review pages."""
    user = django_user_model.objects.create_user("victor", password="pw-xyz-12345678")
    Membership.objects.create(user=user, organization=org, role=Role.ADMIN)
    client.force_login(user)
    return user


@pytest.fixture
def markdown_question(bank):
    item = question_from_yaml(textwrap.dedent(MARKDOWN_CHOICE))
    question, _, _ = save_question(item, Topic.objects.get(slug=item.topic))
    return question


def url(name, *args):
    return reverse(f"org:{name}", args=["acme", *args])


def test_reviewers_and_recruiters_read_the_numbers_that_candidate_was_given(
    client, admin, assessment
):
    inv, _ = factories.make_invitation(assessment)
    attempt = attempt_start(inv)
    numeric = attempt.answers.get(question_version__question__key="t-numeric")
    x1 = numeric.drawn_values["x1"]
    for page in (
        client.get(url("attempt_review", attempt.pk)).content.decode(),
        client.get(url("report", attempt.pk)).content.decode(),
    ):
        assert "{x1}" not in page and "{gamma}" not in page
        assert f"Batch x = [{x1}, " in page


def test_bank_markdown_is_rendered_in_the_builder_the_report_and_the_expected_line(
    client, admin, org, markdown_question
):
    assessment = factories.make_assessment(org, [markdown_question], minutes=60)
    builder = client.get(url("builder", assessment.pk), {"q": "eps"}).content.decode()
    row = builder.split('data-key="t-markdown"')[1].split("</tr>")[0]
    assert "<code>eps</code>" in row and "<strong>the variance</strong>" in row
    assert "`" not in row and "**" not in row

    inv, _ = factories.make_invitation(assessment)
    attempt = attempt_submit(attempt_start(inv))
    report = client.get(url("report", attempt.pk)).content.decode()
    cell = report.split('class="question-cell">')[1].split("</td>")[0]
    assert cell == "Why is <code>eps</code> added to <strong>the variance</strong>?"
    review = client.get(url("attempt_review", attempt.pk)).content.decode()
    expected = review.split('class="expected">')[1].split("</dd>")[0]
    assert (
        expected
        == "<code>eps</code> keeps a constant channel from dividing by <strong>zero</strong>"
    )


def test_who_scored_and_the_verdict_are_said_in_words(client, admin, assessment):
    inv, _ = factories.make_invitation(assessment)
    attempt = attempt_start(inv)
    by_kind = {a.kind: a for a in attempt.answers.select_related("question_version")}
    answer_save(attempt, by_kind["written"].position, "Noisy statistics.", 0)
    answer_save(attempt, by_kind["coding"].position, factories.WRONG_LAYERNORM, 0)
    attempt_submit(attempt)
    answer_review(by_kind["written"], 0.5, admin)
    Submission.objects.filter(answer=by_kind["coding"]).update(
        status=SubmissionStatus.GRADED, verdict="wrong_answer", score=0.0
    )
    page = client.get(url("attempt_review", attempt.pk)).content.decode()
    text = re.sub(r"\s+", " ", page)
    assert "scored by victor" in text and "reviewer:" not in text
    assert "not answered" in text and "by unanswered" not in text
    assert "Wrong answer" in text and "wrong_answer" not in text


def test_the_health_panel_names_submissions_waiting_for_a_gpu_in_words(client, admin, assessment):
    inv, _ = factories.make_invitation(assessment)
    attempt = attempt_start(inv)
    coding = attempt.answers.get(question_version__question__key="t-coding")
    answer_save(attempt, coding.position, factories.GOOD_LAYERNORM, 0)
    attempt_submit(attempt)
    Submission.objects.update(status=SubmissionStatus.WAITING_GPU)
    page = client.get(url("health")).content.decode()
    assert "<dt>Waiting for a capable worker</dt><dd>1</dd>" in page and "waiting_gpu" not in page
