"""The review dashboard: filters and sorting, the report in plain words, written answers
scored by rubric items, re-grades, the CSV export (formula cells neutralized) and the
grading health panel."""

from __future__ import annotations

import csv
import io
import socket
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.models import Attempt, Regrade
from assess.review import health
from assess.review.services import ReviewError, rubric_score, submission_regrade
from assess.spreadsheet import csv_safe
from grader.grading import submission_grade
from grader.models import Submission
from tests.assess import factories


@pytest.fixture(autouse=True)
def quiet(settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(
        "grader.routing.submissions_enqueue", lambda ids: len(ids)
    )  # no broker in these tests


@pytest.fixture
def grade(django_capture_on_commit_callbacks):
    """Grade a submission now; the grade reaches the answer once its transaction commits,
    so run those hooks (the test's own transaction never commits)."""

    def grade_now(submission_id: int):
        with django_capture_on_commit_callbacks(execute=True):
            return submission_grade(submission_id)

    return grade_now


def submitted(
    assessment,
    name: str,
    *,
    written: str = "Noisy statistics from two samples.",
    code: str = factories.GOOD_LAYERNORM,
    single: int = 0,
) -> Attempt:
    inv, _ = factories.make_invitation(assessment, name=name)
    attempt = attempt_start(inv)
    by_kind = {a.kind: a for a in attempt.answers.select_related("question_version")}
    answer_save(attempt, by_kind["single_choice"].position, single, 0)
    answer_save(attempt, by_kind["written"].position, written, 0)
    answer_save(attempt, by_kind["coding"].position, code, 0)
    return attempt_submit(attempt)


def url(name, *args):
    return reverse(f"org:{name}", args=["acme", *args])


def written_of(attempt):
    return next(
        a for a in attempt.answers.select_related("question_version") if a.kind == "written"
    )


def coding_of(attempt):
    return next(a for a in attempt.answers.select_related("question_version") if a.kind == "coding")


def test_a_reviewer_scores_a_written_answer_by_clicking_rubric_items(client, reviewer, assessment):
    attempt = submitted(assessment, "Ada Lovelace")
    answer = written_of(attempt)
    page = client.get(url("attempt_review", attempt.pk)).content.decode()
    assert "Noisy statistics from two samples." in page
    assert "Batch statistics from two samples are noisy" in page  # the expected answer beside it
    assert "2 pt: Names the noise of tiny-batch statistics" in page
    response = client.post(
        url("answer_score", attempt.pk, answer.pk), {"items": ["0"], "note": "good"}, follow=True
    )
    assert "scored 2 / 3" in response.content.decode()
    answer.refresh_from_db()
    assert answer.score == pytest.approx(2 / 3) and answer.scored_by == f"reviewer:{reviewer.pk}"
    review = answer.rubric_reviews.get()
    assert (review.reviewer, review.items, review.note) == (reviewer, [0], "good")
    assert "by victor at" in client.get(url("attempt_review", attempt.pk)).content.decode()


def test_a_second_review_replaces_the_score_and_the_final_result(grade, reviewer, assessment):
    attempt = submitted(assessment, "Ada Lovelace")
    grade(Submission.objects.get(answer__attempt=attempt, public_only=False).pk)
    answer = written_of(attempt)
    rubric_score(answer, [], reviewer)
    attempt.refresh_from_db()
    first_total = attempt.score_percent
    assert attempt.graded_at is not None
    rubric_score(answer, [0, 1], reviewer)
    attempt.refresh_from_db()
    assert attempt.score_percent == pytest.approx(
        first_total + 20.0
    )  # one of five questions: 0 -> 1
    assert answer.rubric_reviews.count() == 2


def test_rubric_scoring_refuses_bad_input(client, reviewer, assessment):
    attempt = submitted(assessment, "Ada Lovelace")
    answer = written_of(attempt)
    with pytest.raises(ReviewError):
        rubric_score(answer, [7], reviewer)
    with pytest.raises(ReviewError):
        rubric_score(coding_of(attempt), [0], reviewer)
    page = client.post(
        url("answer_score", attempt.pk, answer.pk), {"items": ["x"]}, follow=True
    ).content.decode()
    assert "Unknown rubric item" in page
    inv, _ = factories.make_invitation(assessment, name="Still Writing")
    live = attempt_start(inv)
    with pytest.raises(ReviewError, match="not submitted"):
        rubric_score(written_of(live), [0], reviewer)
    answer.refresh_from_db()
    assert answer.score is None


def test_a_regrade_reuses_the_submission_keeps_the_old_result_and_grades_once_more(
    grade, reviewer, assessment
):
    attempt = submitted(assessment, "Ada Lovelace", code=factories.WRONG_LAYERNORM)
    submission = Submission.objects.get(answer__attempt=attempt, public_only=False)
    with pytest.raises(ReviewError, match="still being graded"):
        submission_regrade(submission, reviewer)  # queued: two runs never race
    grade(submission.pk)
    submission.refresh_from_db()
    old_verdict = submission.verdict
    assert old_verdict == "wrong_answer"
    regrade = submission_regrade(submission, reviewer)
    submission.refresh_from_db()
    answer = coding_of(attempt)
    assert submission.status == "queued" and submission.report is None and answer.score is None
    assert regrade.previous_verdict == old_verdict and regrade.previous_report["checks"]
    assert Submission.objects.filter(answer=answer, public_only=False).count() == 1
    outcome = grade(submission.pk)
    assert outcome.wrote
    assert not grade(submission.pk).wrote  # a redelivery writes nothing
    answer.refresh_from_db()
    assert answer.score is not None and answer.scored_by == "grader"


def test_the_regrade_button_queues_the_grade(grade, client, reviewer, assessment):
    attempt = submitted(assessment, "Ada Lovelace")
    submission = Submission.objects.get(answer__attempt=attempt, public_only=False)
    grade(submission.pk)
    page = client.post(
        url("regrade", attempt.pk, coding_of(attempt).pk), follow=True
    ).content.decode()
    assert "queued to be graded again" in page
    assert Regrade.objects.filter(submission=submission, requested_by=reviewer).exists()


def test_the_report_speaks_plainly_and_charts_scores_by_topic(grade, client, reviewer, assessment):
    attempt = submitted(assessment, "Ada Lovelace", single=1)  # the single-choice answer wrong
    grade(Submission.objects.get(answer__attempt=attempt, public_only=False).pk)
    rubric_score(written_of(attempt), [0, 1], reviewer)
    page = client.get(url("report", attempt.pk)).content.decode()
    assert 'id="topic-chart"' in page and "chart.umd.js" in page
    assert "Suggested interview level" in page
    assert "Alternatives to batch norm: 100%" in page  # a strength
    assert (
        "The normalization operation: 0%" in page
    )  # a gap (single choice wrong, numeric unanswered)


def test_the_dashboard_filters_sorts_and_shows_live_progress(grade, client, reviewer, assessment):
    low = submitted(assessment, "Low Scorer", code="def nope(:\n", single=1)
    high = submitted(assessment, "High Scorer")
    for a in (low, high):
        grade(Submission.objects.get(answer__attempt=a, public_only=False).pk)
        rubric_score(written_of(a), [0, 1] if a == high else [], reviewer)
    inv, _ = factories.make_invitation(assessment, name="Live Candidate")
    live = attempt_start(inv)
    answer_save(
        live, next(a.position for a in live.answers.all() if a.kind == "single_choice"), 0, 0
    )
    page = client.get(url("dashboard"), {"sort": "-score"}).content.decode()
    assert page.index("Low Scorer") < page.index("High Scorer")
    assert "1/5" in page  # the live attempt's progress
    page = client.get(url("dashboard"), {"status": "in_progress"}).content.decode()
    assert "Live Candidate" in page and "High Scorer" not in page
    page = client.get(url("dashboard"), {"min_score": "50"}).content.decode()
    assert "High Scorer" in page and "Low Scorer" not in page
    bad = client.get(url("dashboard"), {"min_score": "lots", "since": "yesterday"})
    assert bad.status_code == 200  # bad filters are reported on the form, never a 500


def test_the_csv_export_neutralizes_formulas(client, reviewer, assessment):
    for name in ('=HYPERLINK("http://evil","x")', "+SUM(A1)", "-2+3", "@cmd", "Plain Name"):
        submitted(assessment, name)
    response = client.get(url("export_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    names = {row[1] for row in rows[1:]}
    assert names == {'\'=HYPERLINK("http://evil","x")', "'+SUM(A1)", "'-2+3", "'@cmd", "Plain Name"}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert csv_safe(-1.5) == -1.5 and csv_safe("\tx") == "'\tx"


@pytest.mark.parametrize(
    "name, safe",
    [
        ("Doe;=cmd|' /C calc'!A0", "Doe;'=cmd|' /C calc'!A0"),  # a ";" spreadsheet splits here
        ("Ann,+SUM(A1)", "Ann,'+SUM(A1)"),
        ("Tab\t@x", "Tab\t'@x"),
        ("Pipe| -1+2", "Pipe| '-1+2"),
        ("Plain, Name", "Plain, Name"),
    ],
)
def test_the_csv_export_neutralizes_formulas_after_a_separator_and_quotes_every_cell(
    client, reviewer, assessment, name, safe
):
    submitted(assessment, name)
    text = client.get(url("export_csv")).content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][1] == safe
    # Every cell is quoted, so a reader splitting on ";" or tabs keeps the apostrophes.
    assert all(line.startswith('"') and line.endswith('"') for line in text.splitlines())


def test_the_score_distribution_and_similar_pairs_page(grade, client, reviewer, assessment):
    first = submitted(assessment, "Ada Lovelace")
    copied = factories.GOOD_LAYERNORM.replace("x64", "values").replace("mean", "mu")
    submitted(assessment, "Copy Cat", code=copied)
    grade(Submission.objects.get(answer__attempt=first, public_only=False).pk)
    page = client.get(url("assessment_stats", assessment.pk)).content.decode()
    assert "distribution-chart" in page and "Ada Lovelace · Copy Cat" in page
    ids = sorted(Submission.objects.values_list("answer_id", flat=True))
    side = client.get(url("compare", assessment.pk), {"a": ids[0], "b": ids[1]})
    assert side.status_code == 200 and "values.mean" in side.content.decode().replace(
        "values.mu", "values.mean"
    )


def test_the_health_panel_counts_queues_workers_and_waiting_submissions(
    client, reviewer, assessment, monkeypatch
):
    submitted(assessment, "Ada Lovelace")
    monkeypatch.setattr(health, "queues_waiting", lambda: {"cpu": 3, "gpu": None})
    monkeypatch.setattr(
        health,
        "workers_alive",
        lambda: ([{"name": "gpu@box", "kind": "gpu", "gpu_name": "H100"}], True),
    )
    page = client.get(url("health")).content.decode()
    assert "3 waiting" in page and "unknown" in page and "H100" in page
    assert 'id="waiting"' in page and "<dt>Queued</dt><dd>1</dd>" in page


def test_the_health_panel_says_when_a_worker_cannot_sandbox(
    client, reviewer, assessment, monkeypatch
):
    submitted(assessment, "Ada Lovelace")
    monkeypatch.setattr(health, "queues_waiting", lambda: {"cpu": 1, "gpu": 0})
    problem = "user namespaces are off: `sudo sysctl -w user.max_user_namespaces=15000`"
    workers = [
        {"name": "cpu@laptop", "kind": "cpu", "sandbox_problem": problem},
        {"name": "cpu@box", "kind": "cpu", "resource_limits": "rlimits (address space)"},
    ]
    monkeypatch.setattr(health, "workers_alive", lambda: (workers, False))
    page = client.get(url("health")).content.decode()
    assert "Worker cpu@laptop cannot sandbox coding answers" in page
    assert "max_user_namespaces=15000" in page and "cannot sandbox</span>" in page
    assert "limits: rlimits (address space)" in page
    assert "<dt>Queued</dt><dd>1</dd>" in page  # the answer waits, it did not fail


def test_health_reads_the_workers_announcements(monkeypatch):
    from grader import capability

    monkeypatch.setattr(
        capability,
        "live_workers",
        lambda **where: [{"name": "w1", "kind": "cpu"}, {"name": "g1", "kind": "gpu"}],
    )
    workers, gpu = health.workers_alive()
    assert [w["name"] for w in workers] == ["w1", "g1"] and gpu is True


def test_queue_lengths_read_redis(redis_url, settings):
    import redis

    settings.CELERY_BROKER_URL = redis_url
    settings.GRADER_CPU_QUEUE = "cpu-health-test"
    client = redis.Redis.from_url(redis_url)
    client.delete("cpu-health-test")
    client.rpush("cpu-health-test", "a", "b")
    try:
        assert health.queues_waiting()["cpu-health-test"] == 2
    finally:
        client.delete("cpu-health-test")


def test_a_broker_that_does_not_answer_shows_unknown_queue_lengths(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    assert health.queues_waiting() == {settings.GRADER_CPU_QUEUE: None, "gpu": None}


def test_the_health_panel_shows_stuck_grades_and_their_age(
    client, reviewer, assessment, redis_url, settings
):
    settings.CELERY_BROKER_URL = redis_url
    attempt = submitted(assessment, "Ada Lovelace")
    Submission.objects.filter(answer__attempt=attempt, public_only=False).update(
        status="running",
        worker="cpu@gone/0123456789ab",  # an instance with no live announcement
        created_at=timezone.now() - timedelta(minutes=12),
    )
    page = client.get(url("health")).content.decode()
    assert "Some grades are stuck" in page
    assert "<dt>held by a worker that died</dt><dd>1 · the oldest for 12" in page
    assert "<dt>running for more than 5 minutes</dt><dd>1" in page


def test_the_health_panel_says_the_cache_is_down(client, reviewer, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    page = client.get(url("health"))
    assert page.status_code == 200
    assert "The cache (Redis) is down" in page.content.decode()
    assert '<dt>cache</dt><dd><span class="pill bad">down</span>' in page.content.decode()
