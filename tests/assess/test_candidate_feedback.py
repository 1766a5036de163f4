"""The candidate's feedback report: only where the organization switched it on, only
after submitting; topic scores and the recognised mistakes in plain words, never a key,
a hidden case or a check row."""

import pytest
from django.urls import reverse

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.attempts.workflow import answer_record_grade
from grader.models import Submission, SubmissionStatus
from tests.assess import factories

pytestmark = pytest.mark.django_db

HIDDEN_CASE = "hidden: (3, 7, 9), normalized_shape=(7, 9), float32: out"


@pytest.fixture
def submitted(db):
    """A submitted attempt: the MCQ answered wrongly, the code graded with a diagnosis."""
    bank = factories.make_bank("single", "coding")
    org = factories.make_org()
    org.candidate_feedback = True
    org.save(update_fields=["candidate_feedback"])
    assessment = factories.make_assessment(org, [bank["single"], bank["coding"]])
    invitation, token = factories.make_invitation(assessment)
    attempt = attempt_start(invitation)
    answers = {a.kind: a for a in attempt.answers.select_related("question_version")}
    single = answers["single_choice"]
    answer_save(attempt, single.position, 1, single.revision)  # "converge faster": wrong
    coding = answers["coding"]
    answer_save(attempt, coding.position, factories.WRONG_LAYERNORM, coding.revision)
    attempt_submit(attempt)
    final = Submission.objects.filter(answer=coding, public_only=False).latest("created_at")
    final.status = SubmissionStatus.GRADED
    final.report = {
        "verdict": "wrong_answer",
        "score": 0.25,
        "checks": [{"name": HIDDEN_CASE, "passed": False, "message": "max error 3e-3"}],
        "diagnosis": {
            "slug": "layer-norm-eps-outside-sqrt",
            "title": "Epsilon added outside the square root",
            "explanation": "The code divided by sqrt(var) + eps instead of sqrt(var + eps).",
        },
    }
    final.save(update_fields=["status", "report"])
    answer_record_grade(coding.pk, 0.25, "wrong_answer")
    return org, token


def test_the_report_shows_topic_scores_and_misconceptions_without_keys(client, submitted):
    _, token = submitted
    done = client.get(reverse("assess:attempt_done", args=[token])).content.decode()
    assert reverse("assess:attempt_feedback", args=[token]) in done
    page = client.get(reverse("assess:attempt_feedback", args=[token]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "The normalization operation</th>\n      <td>0%" in html
    assert "Alternatives to batch norm</th>\n      <td>25%" in html
    assert "Epsilon added outside the square root" in html
    assert "sqrt(var) + eps instead of sqrt(var + eps)" in html
    assert "To avoid dividing by zero" not in html  # the key
    assert HIDDEN_CASE not in html and "(3, 7, 9)" not in html  # hidden cases


def test_no_report_unless_the_organization_switches_it_on(client, submitted):
    org, token = submitted
    org.candidate_feedback = False
    org.save(update_fields=["candidate_feedback"])
    assert client.get(reverse("assess:attempt_feedback", args=[token])).status_code == 404
    done = client.get(reverse("assess:attempt_done", args=[token])).content.decode()
    assert "feedback report" not in done


def test_no_report_before_submitting(client, db):
    bank = factories.make_bank("single")
    org = factories.make_org()
    org.candidate_feedback = True
    org.save(update_fields=["candidate_feedback"])
    invitation, token = factories.make_invitation(factories.make_assessment(org, [bank["single"]]))
    assert client.get(reverse("assess:attempt_feedback", args=[token])).status_code == 404
    attempt_start(invitation)
    assert client.get(reverse("assess:attempt_feedback", args=[token])).status_code == 404


def test_a_written_answer_waiting_for_review_shows_as_not_scored_yet(client, db):
    bank = factories.make_bank("written")
    org = factories.make_org()
    org.candidate_feedback = True
    org.save(update_fields=["candidate_feedback"])
    invitation, token = factories.make_invitation(factories.make_assessment(org, [bank["written"]]))
    attempt = attempt_start(invitation)
    answer = attempt.answers.get()
    answer_save(attempt, answer.position, "Noisy statistics.", answer.revision)
    attempt_submit(attempt)
    html = client.get(reverse("assess:attempt_feedback", args=[token])).content.decode()
    assert "not scored yet" in html and "still being scored" in html
