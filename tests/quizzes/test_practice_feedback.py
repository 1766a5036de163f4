"""What a practice visitor reads: Markdown rendered, clear verdicts, their own answers, and
a numeric field that keeps what they typed when it is refused."""

import re

import pytest
from django.urls import reverse

from quizzes.bankfiles import load_bank, read_bank
from quizzes.models import PracticeRun

from .test_practice import NUMERIC, _question_page, _start, _token

pytestmark = pytest.mark.django_db

MARKDOWN_CHOICES = """\
questions:
  - id: md-axes
    kind: multiple_choice
    pool: practice
    topic: batch-running-statistics
    level: mid
    prompt: |
      Which statements about `BatchNorm2d` are true?
    choices:
      - text: It normalizes over `(N, H, W)` for each channel.
        correct: true
      - text: Its `running_var` stores the **unbiased** variance.
        correct: true
      - text: It has no learned parameters.
        correct: false
    explanation: |
      The **running** statistics are buffers; `weight` and `bias` are learned.
"""


@pytest.fixture
def markdown_bank(bank_dir):
    bank_dir("mcq/md.yaml", MARKDOWN_CHOICES)
    bank_dir("numeric/var.yaml", NUMERIC)
    load_bank(read_bank(bank_dir.root))


def _answer(client, token, marker, data):
    number, _ = _question_page(client, token, marker)
    url = reverse("quizzes:practice_question", args=[token, number])
    return number, client.post(url, data)


def test_choices_and_feedback_render_their_markdown(client, markdown_bank):
    token = _token(_start(client))
    number, page = _question_page(client, token, "BatchNorm2d")
    html = page.content.decode()
    assert "<code>(N, H, W)</code>" in html and "<strong>unbiased</strong>" in html
    assert "`" not in html.split('class="choices')[1].split("</ul>")[0]

    client.post(reverse("quizzes:practice_question", args=[token, number]), {"choice": ["2"]})
    html = client.get(reverse("quizzes:practice_question", args=[token, number])).content.decode()
    feedback = html.split('class="verdict')[1]
    assert "`" not in feedback and "**" not in feedback
    assert "<code>running_var</code>" in feedback
    assert "<strong>running</strong>" in feedback


def test_multi_select_feedback_lists_each_correct_choice(client, markdown_bank):
    token = _token(_start(client))
    number, _ = _answer(client, token, "BatchNorm2d", {"choice": ["2"]})
    html = client.get(reverse("quizzes:practice_question", args=[token, number])).content.decode()
    assert ".;" not in html
    correct = re.search(r'<ul class="answer-list correct-answer">(.*?)</ul>', html, re.S).group(1)
    assert correct.count("<li>") == 2


def test_a_wrong_answer_is_not_labelled_with_a_zero_score(client, markdown_bank):
    token = _token(_start(client))
    _answer(client, token, "BatchNorm2d", {"choice": ["2"]})
    result = client.get(reverse("quizzes:practice_result", args=[token])).content.decode()
    assert "Score 0.00" not in result and "0.00" not in result
    assert "Not quite." in result


def test_the_score_page_shows_what_the_visitor_answered(client, markdown_bank):
    token = _token(_start(client))
    _answer(client, token, "BatchNorm2d", {"choice": ["0", "2"]})
    _answer(client, token, "unbiased variance of", {"value": "123.5"})
    result = client.get(reverse("quizzes:practice_result", args=[token])).content.decode()
    mine = re.findall(r'<ul class="answer-list your-answer">(.*?)</ul>', result, re.S)
    assert len(mine) == 2
    choice_answer, number_answer = sorted(mine, key=len, reverse=True)
    assert "<code>(N, H, W)</code>" in choice_answer and "no learned parameters" in choice_answer
    assert "123.5" in number_answer
    assert "Partly right (0.00" not in result  # +1 -1 of 2 correct scores 0: not "partly"


def test_a_refused_number_stays_in_the_field_and_is_marked_invalid(client, markdown_bank):
    token = _token(_start(client))
    _, response = _answer(client, token, "unbiased variance of", {"value": "1,5"})
    assert response.status_code == 400
    html = response.content.decode()
    field = re.search(r"<input[^>]*id=\"value\"[^>]*>", html).group(0)
    assert 'value="1,5"' in field
    assert 'aria-invalid="true"' in field
    described = re.search(r'aria-describedby="([^"]+)"', field).group(1)
    assert re.search(rf'id="{described}"[^>]*>[^<]*not a number', html)
    assert PracticeRun.objects.get(token=token).answers == {}


def test_choice_groups_are_named_by_their_question(client, markdown_bank):
    token = _token(_start(client))
    _, page = _question_page(client, token, "BatchNorm2d")
    html = page.content.decode()
    group = re.search(r"<fieldset[^>]*aria-labelledby=\"([^\"]+)\"", html)
    assert group, "the choices are not a group named by an element"
    assert re.search(rf'id="{group.group(1)}"[^>]*>\s*<p>Which statements about', html)
    assert ">Choices<" not in html


WRITTEN = """\
questions:
  - id: w-small-batch
    kind: written
    pool: practice
    topic: normalization-operation
    level: senior
    prompt: Explain why a model fine-tuned with batch size 2 can degrade.
    expected_answer: Batch statistics from two samples are **noisy** and the running estimates drift.
    rubric:
      - {points: 2, criterion: Names the noise of tiny-batch statistics}
      - {points: 1, criterion: Mentions freezing the statistics or `GroupNorm`}
    recruiter_signal: Understands the small-batch failure mode.
    max_words: 40
    explanation: Tiny batches make the statistics noisy.
"""


@pytest.fixture
def written_bank(bank_dir):
    bank_dir("mcq/md.yaml", MARKDOWN_CHOICES)
    bank_dir("written/w.yaml", WRITTEN)
    load_bank(read_bank(bank_dir.root))


def test_a_written_answer_is_self_checked_with_the_model_answer_and_rubric(client, written_bank):
    token = _token(_start(client))
    number, page = _question_page(client, token, "batch size 2")
    assert '<textarea id="written"' in page.content.decode()
    assert "Batch statistics from two samples" not in page.content.decode()  # not before
    url = reverse("quizzes:practice_question", args=[token, number])
    refused = client.post(url, {"written": "   "})
    assert refused.status_code == 400 and "write your answer first" in refused.content.decode()
    assert client.post(url, {"written": "Two samples give noisy statistics."}).status_code == 302
    html = client.get(url).content.decode()
    assert "Batch statistics from two samples are <strong>noisy</strong>" in html
    rubric = re.search(r'<ul class="answer-list rubric">(.*?)</ul>', html, re.S).group(1)
    assert "2 points: Names the noise" in rubric and "<code>GroupNorm</code>" in rubric

    _answer(client, token, "BatchNorm2d", {"choice": ["0", "1"]})
    result = client.get(reverse("quizzes:practice_result", args=[token])).content.decode()
    assert re.search(r'class="score">1 / 1 ', result)  # the written answer earns no points
    assert "Two samples give noisy statistics." in result
    breakdown = re.search(r'<table class="topic-breakdown">(.*?)</table>', result, re.S).group(1)
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th><td>(\d+)</td>\s*<td>(.*?)</td>", breakdown)
    assert rows == [
        ("The normalization operation", "1", "self-checked"),
        ("Batch and running statistics", "1", "1 / 1 (100%)"),
    ]


def test_a_signed_in_visitor_keeps_progress_across_quizzes(client, markdown_bank):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("learner", password="pw-for-tests-only")
    client.force_login(user)
    assert "Answer a practice question and your progress" in client.get("/").content.decode()
    for choice in (["0", "1"], ["2"]):  # right the first time, wrong the second
        token = _token(_start(client))
        _answer(client, token, "BatchNorm2d", {"choice": choice})
    assert PracticeRun.objects.filter(user=user).count() == 2
    home = client.get("/").content.decode()
    assert "Over your last 2 quizzes: 2 answers." in home
    assert re.search(r"Batch and running statistics</th><td>2</td>\s*<td>1 / 2 \(50%\)", home)


def test_an_anonymous_visitor_has_no_progress_section(client, markdown_bank):
    _answer(client, _token(_start(client)), "BatchNorm2d", {"choice": ["2"]})
    assert "Your progress" not in client.get("/").content.decode()
    assert PracticeRun.objects.get().user is None
