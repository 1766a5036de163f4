"""Practice mode through Django's test client, as a visitor uses it."""

import re

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from quizzes.bankfiles import load_bank, read_bank
from quizzes.models import PracticeRun, QuestionVersion
from quizzes.numeric import draw_values

from .conftest import SINGLE

pytestmark = pytest.mark.django_db

NUMERIC = """\
questions:
  - id: num-unbiased
    kind: numeric
    pool: practice
    topic: batch-running-statistics
    level: mid
    prompt: |
      What is the unbiased variance of {x1}, {x2}, {x3}, {x4}, {x5}?
    params:
      x1: {uniform: [0, 1], decimals: 1}
      x2: {uniform: [1, 2], decimals: 1}
      x3: {uniform: [2, 3], decimals: 1}
      x4: {uniform: [3, 4], decimals: 1}
      x5: {uniform: [4, 5], decimals: 1}
    answer: {quantity: unbiased_variance}
    tolerance: {abs: 0.001, rel: 0.001}
    explanation: |
      Divide the sum of squared deviations by n - 1 = 4.
"""
MULTI = """\
questions:
  - id: stats-which-axes
    kind: multiple_choice
    pool: practice
    topic: batch-running-statistics
    level: mid
    prompt: |
      For BatchNorm2d on (N, C, H, W), over which axes are the statistics computed?
    choices:
      - text: N
        correct: true
      - text: C
        correct: false
      - text: H
        correct: true
      - text: W
        correct: true
    explanation: |
      Per channel: over N, H and W.
"""


@pytest.fixture
def small_bank(bank_dir):
    bank_dir("mcq/op.yaml", SINGLE)
    bank_dir("mcq/multi.yaml", MULTI)
    bank_dir("numeric/var.yaml", NUMERIC)
    load_bank(read_bank(bank_dir.root))


def _start(client: Client, **data) -> str:
    response = client.post(reverse("quizzes:practice_start"), {"length": 5, **data})
    assert response.status_code == 302
    return response["Location"]


def _token(location: str) -> str:
    return re.search(r"/practice/([^/]+)/", location).group(1)


def _question_page(client, token, kind_marker):
    """Find the question number whose page contains `kind_marker`."""
    for number in range(1, 4):
        page = client.get(reverse("quizzes:practice_question", args=[token, number]))
        if kind_marker in page.content.decode():
            return number, page
    raise AssertionError(f"no question with {kind_marker!r}")


def test_the_home_page_offers_topics_and_levels(client, small_bank):
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Start practice" in html
    assert "Batch and running statistics" in html and "Senior (hard)" in html


def test_a_visitor_takes_a_quiz_and_sees_feedback_and_score(client, small_bank):
    token = _token(_start(client))
    run = PracticeRun.objects.get(token=token)
    assert len(run.items) == 3  # the bank has three practice questions

    number, page = _question_page(client, token, "Why is epsilon added")
    html = page.content.decode()
    assert "A constant channel has zero variance" not in html  # no explanation before answering
    assert 'class="correct"' not in html
    correct_index = 0  # "To avoid dividing by zero" is choice 0 in the file
    response = client.post(
        reverse("quizzes:practice_question", args=[token, number]), {"choice": correct_index}
    )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Correct." in html and "A constant channel has zero variance" in html

    number, _ = _question_page(client, token, "unbiased variance of")
    item = run.items[number - 1]
    version = QuestionVersion.objects.get(pk=item["version"])
    values = draw_values(version.content["params"], item["seed"])
    expected = float(np.var([values[f"x{i}"] for i in range(1, 6)], ddof=1))
    response = client.post(
        reverse("quizzes:practice_question", args=[token, number]), {"value": f"{expected:.6f}"}
    )
    assert response.status_code == 302
    assert "Correct." in client.get(response["Location"]).content.decode()

    number, _ = _question_page(client, token, "which axes")
    response = client.post(
        reverse("quizzes:practice_question", args=[token, number]), {"choice": ["0", "1"]}
    )
    html = client.get(response["Location"]).content.decode()
    assert "Not quite." in html
    assert re.search(
        r'<ul class="answer-list correct-answer"><li>N</li><li>H</li><li>W</li></ul>', html
    )

    result = client.get(reverse("quizzes:practice_result", args=[token])).content.decode()
    assert "2 / 3" in result
    assert "Per channel: over N, H and W." in result


def test_a_wrong_number_is_marked_wrong_with_the_answer(client, small_bank):
    token = _token(_start(client))
    number, _ = _question_page(client, token, "unbiased variance of")
    response = client.post(
        reverse("quizzes:practice_question", args=[token, number]), {"value": "123.0"}
    )
    html = client.get(response["Location"]).content.decode()
    assert "Not quite." in html and "Divide the sum of squared deviations" in html


@pytest.mark.parametrize("bad", ["", "abc", "1,5", "nan", "inf", "9" * 100])
def test_unreadable_numbers_get_a_clear_error_and_nothing_is_recorded(client, small_bank, bad):
    token = _token(_start(client))
    number, _ = _question_page(client, token, "unbiased variance of")
    response = client.post(
        reverse("quizzes:practice_question", args=[token, number]), {"value": bad}
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert PracticeRun.objects.get(token=token).answers == {}


@pytest.mark.parametrize("bad", [["7"], ["-1"], ["x"], []])
def test_unknown_choices_are_refused(client, small_bank, bad):
    token = _token(_start(client))
    number, _ = _question_page(client, token, "Why is epsilon added")
    response = client.post(
        reverse("quizzes:practice_question", args=[token, number]), {"choice": bad}
    )
    assert response.status_code == 400
    assert PracticeRun.objects.get(token=token).answers == {}


def test_the_first_answer_counts_and_cannot_be_changed(client, small_bank):
    token = _token(_start(client))
    number, _ = _question_page(client, token, "Why is epsilon added")
    url = reverse("quizzes:practice_question", args=[token, number])
    client.post(url, {"choice": 1})
    client.post(url, {"choice": 0})
    answer = PracticeRun.objects.get(token=token).answers[str(number - 1)]
    assert answer["response"] == "1" and answer["correct"] is False


def test_another_browser_cannot_open_someone_elses_quiz(client, small_bank):
    token = _token(_start(client))
    stranger = Client()
    assert stranger.get(reverse("quizzes:practice_question", args=[token, 1])).status_code == 404
    assert stranger.get(reverse("quizzes:practice_result", args=[token])).status_code == 404


def test_out_of_range_question_numbers_are_not_found(client, small_bank):
    token = _token(_start(client))
    assert client.get(reverse("quizzes:practice_question", args=[token, 99])).status_code == 404
    assert client.get(reverse("quizzes:practice_question", args=[token, 0])).status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"length": 7},
        {"length": "lots"},
        {"level": "expert"},
        {"topic": "999999"},
        {"topic": "x' OR 1=1"},
    ],
)
def test_bad_start_forms_are_refused_with_a_message(client, small_bank, data):
    response = client.post(reverse("quizzes:practice_start"), {"length": 5, **data})
    assert response.status_code == 400
    assert "error" in response.content.decode()
    assert PracticeRun.objects.count() == 0


def test_no_matching_questions_gives_a_clear_message(client, small_bank):
    response = client.post(reverse("quizzes:practice_start"), {"length": 5, "level": "senior"})
    assert response.status_code == 400
    assert "no practice questions match" in response.content.decode()


def test_a_level_filter_only_draws_that_level(client, small_bank):
    token = _token(_start(client, level="mid"))
    run = PracticeRun.objects.get(token=token)
    assert len(run.items) == 2


def test_practice_needs_a_post_with_csrf(small_bank):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("quizzes:practice_start"), {"length": 5}).status_code == 403
