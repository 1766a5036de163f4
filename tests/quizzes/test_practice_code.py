"""Coding problems in practice mode: the visitor's code graded in the real sandbox on the
public cases, the diagnosis and the console shown, runs limited per visitor and overall."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from grader.engine.problems import get_problem
from quizzes.models import PracticeRun
from quizzes.practice_code import practice_code_grade
from tests.assess.factories import GOOD_LAYERNORM, HELPER_RAISES_LAYERNORM, WRONG_LAYERNORM
from tests.support.clock import clear_of_a_window_edge

from .test_practice import _start, _token

pytestmark = pytest.mark.django_db


def test_practice_code_is_graded_on_the_public_cases_with_a_diagnosis(client, coding_bank, queued):
    token = _token(_start(client))
    url = reverse("quizzes:practice_question", args=[token, 1])
    page = client.get(url).content.decode()
    assert "def layernorm_forward" in page  # the starter code in the box
    assert "<h2>Rules for every problem</h2>" in page

    source = WRONG_LAYERNORM + "\nprint('hello from my code')\n"
    assert queued(client, token, source).status_code == 302
    assert "Grading your code" in client.get(url).content.decode()
    (job,) = queued.jobs
    assert practice_code_grade(*job) == "wrong_answer"

    html = client.get(url).content.decode()
    assert "Wrong answer:" in html
    # Only the public cases' rows: the hidden cases stay for hiring tests.
    cases = re.findall(
        r'<th scope="row" class="check-name">(sample: [^<]*?): (?:out|inputs unchanged)</th>', html
    )
    assert len(set(cases)) == len(get_problem("layernorm-forward").cases(public_only=True))
    assert "What went wrong, most likely: Epsilon added outside the square root" in html
    assert "Smallest failing case" in html
    assert "hello from my code" in html  # the console
    status = client.get(reverse("quizzes:practice_code_status", args=[token, 1]))
    assert status.status_code == 200 and "Wrong answer:" in status.content.decode()

    queued(client, token, GOOD_LAYERNORM)
    assert practice_code_grade(*queued.jobs[-1]) == "accepted"
    result = client.get(reverse("quizzes:practice_result", args=[token])).content.decode()
    assert re.search(r'class="score">1 / 1 ', result)
    assert "Accepted:" in result


def test_the_console_shows_the_visitors_traceback_and_no_harness_frame(client, coding_bank, queued):
    token = _token(_start(client))
    queued(client, token, HELPER_RAISES_LAYERNORM)
    assert practice_code_grade(*queued.jobs[-1]) == "runtime_error"
    html = client.get(reverse("quizzes:practice_question", args=[token, 1])).content.decode()
    console = html.split('id="practice-console-head"')[1]
    assert "File &quot;submission.py&quot;, line 9, in layernorm_forward" in console
    assert "File &quot;submission.py&quot;, line 5, in _stats" in console
    assert "NameError: name &#x27;axez&#x27; is not defined" in console
    assert "zygote" not in html and "grader/engine" not in html


def test_a_stale_run_is_not_written_over_a_newer_one(client, coding_bank, queued):
    token = _token(_start(client))
    queued(client, token, WRONG_LAYERNORM)
    queued(client, token, GOOD_LAYERNORM)
    first, second = queued.jobs
    assert practice_code_grade(*first) == ""  # a newer run was queued: skipped
    assert practice_code_grade(*second) == "accepted"
    entry = PracticeRun.objects.get(token=token).answers["0"]
    assert (entry["run"], entry["correct"], entry["status"]) == (2, True, "graded")


def test_runs_are_limited_per_visitor_and_the_code_stays(client, coding_bank, queued, settings):
    settings.PRACTICE_CODE_RUNS_PER_MINUTE = 2
    clear_of_a_window_edge(60)  # the limits count in the clock's minutes
    token = _token(_start(client))
    assert queued(client, token, GOOD_LAYERNORM).status_code == 302
    assert queued(client, token, GOOD_LAYERNORM).status_code == 302
    refused = queued(client, token, "# my third try\n" + GOOD_LAYERNORM)
    assert refused.status_code == 429
    html = refused.content.decode()
    assert re.search(r"2 times a minute; try again in \d+ s", html)
    assert "# my third try" in html and 'aria-invalid="true"' in html
    assert len(queued.jobs) == 2


def test_runs_are_limited_over_all_visitors_together(coding_bank, queued, settings):
    settings.PRACTICE_CODE_RUNS_PER_MINUTE_TOTAL = 1
    clear_of_a_window_edge(60)  # the limits count in the clock's minutes
    first, second = Client(), Client()
    assert queued(first, _token(_start(first)), GOOD_LAYERNORM).status_code == 302
    refused = queued(second, _token(_start(second)), GOOD_LAYERNORM)
    assert refused.status_code == 429 and "Practice grading is busy" in refused.content.decode()


@pytest.mark.parametrize("source", ["", "   \n"])
def test_empty_code_is_refused_with_a_message(client, coding_bank, queued, source):
    token = _token(_start(client))
    refused = queued(client, token, source)
    assert refused.status_code == 400 and "write some code first" in refused.content.decode()
    assert queued.jobs == []


def test_another_browser_cannot_read_the_code_status(client, coding_bank):
    token = _token(_start(client))
    stranger = Client()
    url = reverse("quizzes:practice_code_status", args=[token, 1])
    assert stranger.get(url).status_code == 404
