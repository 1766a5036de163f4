"""`submission_grade` and the queueing around it, without a worker: idempotence, one final
write, retries of internal errors, a broker outage, and the sweep."""

import uuid
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from grader import capability, grading
from grader.engine import INTERNAL_ERROR, Report
from grader.grading import GradeRetry, submission_grade
from grader.models import Submission
from grader.routing import submissions_enqueue
from grader.sweep import submission_reserved, submissions_requeue_stuck
from tests.assess import factories
from tests.support.worker import celery_app_on

pytestmark = pytest.mark.django_db


def engine_returning(monkeypatch, verdict: str, score):
    calls = []

    def fake(problem, source, *, public_only=False, **kwargs):
        calls.append(problem)
        return Report(problem, verdict, score, message="fake")

    monkeypatch.setattr("grader.engine.grade_submission", fake)
    return calls


def test_grading_writes_the_report_and_the_attempts_score(
    coding_submission, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = submission_grade(coding_submission.pk)
    assert (outcome.status, outcome.verdict, outcome.wrote) == ("graded", "accepted", True)
    sub = Submission.objects.get(pk=coding_submission.pk)
    assert (sub.status, sub.verdict, sub.score, sub.attempts) == ("graded", "accepted", 1.0, 1)
    assert all(check["passed"] for check in sub.report["checks"])
    answer = sub.answer
    answer.refresh_from_db()
    assert (answer.score, answer.correct, answer.scored_by) == (1.0, True, "grader")
    attempt = answer.attempt
    attempt.refresh_from_db()
    assert (
        attempt.graded_at is not None and attempt.score_percent == 50.0 and attempt.passed is True
    )


def test_grading_again_is_a_no_op(coding_submission, monkeypatch):
    calls = engine_returning(monkeypatch, "accepted", 1.0)
    assert submission_grade(coding_submission.pk).wrote is True
    again = submission_grade(coding_submission.pk)
    assert (again.status, again.wrote) == ("graded", False)
    assert len(calls) == 1
    assert Submission.objects.get(pk=coding_submission.pk).attempts == 1


def test_only_one_final_write_when_two_runs_race(coding_submission, monkeypatch):
    """A redelivered message claims a `running` submission again; whichever run finishes
    second finds the grade written and writes nothing."""
    engine_returning(monkeypatch, "accepted", 1.0)
    first = grading._claim(coding_submission.pk)
    second = grading._claim(coding_submission.pk)
    assert second.attempts == 2
    assert grading._finish(first, "graded", {"verdict": "accepted", "score": 1.0}) is True
    assert grading._finish(second, "graded", {"verdict": "wrong_answer", "score": 0.0}) is False
    assert Submission.objects.get(pk=coding_submission.pk).verdict == "accepted"


def test_an_internal_error_is_retried_then_written_as_final_never_as_a_fail(
    coding_submission, monkeypatch
):
    engine_returning(monkeypatch, INTERNAL_ERROR, None)
    with pytest.raises(GradeRetry):
        submission_grade(coding_submission.pk, final_try=False)
    sub = Submission.objects.get(pk=coding_submission.pk)
    assert (sub.status, sub.attempts) == ("queued", 1)
    outcome = submission_grade(coding_submission.pk, final_try=True)
    assert (outcome.status, outcome.wrote) == ("internal_error", True)
    answer = Submission.objects.get(pk=coding_submission.pk).answer
    assert answer.score is None  # left for a reviewer: not a pass, not a fail


def test_a_broker_outage_loses_nothing_and_the_sweep_queues_it_again(
    coding_submission, monkeypatch
):
    sent = []

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr("grader.tasks.grade_submission_task.apply_async", broker_down)
    assert submissions_enqueue([coding_submission.pk]) == 0
    sub = Submission.objects.get(pk=coding_submission.pk)
    assert (sub.status, sub.enqueued_at, sub.source) == ("queued", None, factories.GOOD_LAYERNORM)

    monkeypatch.setattr(
        "grader.tasks.grade_submission_task.apply_async",
        lambda args, **kw: sent.append((args, kw["queue"])),
    )
    later = timezone.now() + timedelta(seconds=30)
    assert submissions_requeue_stuck(now=later) == 1
    assert sent == [([coding_submission.pk], "cpu")]
    # Sent recently: the next sweep leaves it alone.
    assert submissions_requeue_stuck(now=later) == 0


def test_the_sweep_requeues_a_running_submission_whose_worker_died(
    coding_submission, monkeypatch, settings
):
    sent = []
    monkeypatch.setattr(
        "grader.tasks.grade_submission_task.apply_async", lambda args, **kw: sent.append(args)
    )
    grading._claim(coding_submission.pk)
    now = timezone.now()
    assert submissions_requeue_stuck(now=now) == 0
    later = now + timedelta(seconds=settings.GRADER_REQUEUE_RUNNING_SECONDS + 1)
    assert submissions_requeue_stuck(now=later) == 1
    assert Submission.objects.get(pk=coding_submission.pk).status == "queued"
    assert sent == [[coding_submission.pk]]


def test_the_task_is_configured_to_survive_a_dead_worker():
    from grader.tasks import grade_submission_task

    assert grade_submission_task.acks_late is True
    assert grade_submission_task.reject_on_worker_lost is True
    assert GradeRetry in grade_submission_task.autoretry_for
    assert grade_submission_task.retry_backoff


def test_a_final_submission_exists_once_per_answer(coding_submission):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.create(
            answer=coding_submission.answer, problem="layernorm-forward", source="x"
        )
    Submission.objects.create(
        answer=coding_submission.answer, problem="layernorm-forward", source="x", public_only=True
    )


# --- Liveness: the sweep and the claim ask Redis who is alive and what still waits -----------


@pytest.fixture
def broker(redis_url, settings):
    """This process's Celery app and settings on Redis, with a private grading queue."""
    queue = f"cpu-sweep-{uuid.uuid4().hex[:8]}"
    settings.GRADER_CPU_QUEUE = queue
    settings.CELERY_BROKER_URL = redis_url
    restore = celery_app_on(redis_url)
    client = redis.Redis.from_url(redis_url)
    yield client, queue
    client.delete(queue)
    for key in client.scan_iter(match=capability.KEY_PREFIX + "sweep-test-*"):
        client.delete(key)
    restore()


def alive(url: str, name: str) -> str:
    """Announce a worker instance; returns the identity rows record for it."""
    instance = uuid.uuid4().hex[:12]
    capability.announce(name, {"kind": "cpu", "instance": instance}, 30, broker_url=url)
    return capability.worker_identity(name, instance)


def aged(submission: Submission, minutes: int) -> None:
    Submission.objects.filter(pk=submission.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_a_queued_row_whose_message_still_waits_is_not_sent_again(
    coding_submission,
    broker,
):
    client, queue = broker
    assert submissions_enqueue([coding_submission.pk]) == 1
    aged(coding_submission, 30)  # a backlog older than GRADER_REQUEUE_QUEUED_SECONDS
    assert client.llen(queue) == 1
    assert submissions_requeue_stuck() == 0
    assert client.llen(queue) == 1  # not doubled
    client.delete(queue)  # the message is lost (a flushed broker)
    assert submissions_requeue_stuck() == 1
    assert client.llen(queue) == 1


def test_a_running_row_is_handed_on_once_its_worker_is_gone(
    coding_submission,
    broker,
    redis_url,
):
    client, queue = broker
    holder = alive(redis_url, "sweep-test-a@host")
    grading._claim(coding_submission.pk, holder=holder, task_id="t-1")
    assert submissions_requeue_stuck() == 0  # its worker announces itself
    # The worker restarts under the same name: a new instance, the old run is dead.
    alive(redis_url, "sweep-test-a@host")
    assert submissions_requeue_stuck() == 1
    row = Submission.objects.get(pk=coding_submission.pk)
    assert (row.status, row.worker) == ("queued", "")
    assert client.llen(queue) == 1


def test_a_row_reserved_by_a_dead_worker_is_sent_again(
    coding_submission,
    broker,
    redis_url,
):
    client, queue = broker
    submissions_enqueue([coding_submission.pk])
    client.delete(queue)  # taken by a worker...
    submission_reserved(coding_submission.pk, capability.worker_identity("sweep-test-b@h", "x"))
    assert submissions_requeue_stuck() == 1  # ...whose announcement does not exist
    assert client.llen(queue) == 1


def test_a_claim_refuses_a_row_another_live_worker_runs(
    coding_submission,
    broker,
    redis_url,
    monkeypatch,
):
    calls = engine_returning(monkeypatch, "accepted", 1.0)
    first = alive(redis_url, "sweep-test-c@host")
    grading._claim(coding_submission.pk, holder=first, task_id="t-first")
    second = alive(redis_url, "sweep-test-d@host")
    duplicate = grading.submission_grade(coding_submission.pk, holder=second, task_id="t-dup")
    assert duplicate.status == "running" and calls == []  # not graded a second time
    row = Submission.objects.get(pk=coding_submission.pk)
    assert (row.worker, row.attempts) == (first, 1)
    # The same message again means its run died with a pool process: taken over.
    redelivered = grading.submission_grade(coding_submission.pk, holder=second, task_id="t-first")
    assert redelivered.status == "graded" and calls == ["layernorm-forward"]


def test_a_claim_takes_over_from_a_dead_worker(
    coding_submission,
    broker,
    redis_url,
    monkeypatch,
):
    calls = engine_returning(monkeypatch, "accepted", 1.0)
    gone = capability.worker_identity("sweep-test-e@host", "dead")
    grading._claim(coding_submission.pk, holder=gone, task_id="t-1")
    outcome = grading.submission_grade(
        coding_submission.pk, holder=alive(redis_url, "sweep-test-f@host"), task_id="t-2"
    )
    assert outcome.status == "graded" and len(calls) == 1
    assert Submission.objects.get(pk=coding_submission.pk).attempts == 2


def test_periodic_tasks_have_their_own_queue():
    """The sweep and the deadline submission never wait behind a grading backlog."""
    from assess.celery import app

    def queue_of(name: str) -> str:
        return app.amqp.router.route({}, name)["queue"].name

    assert queue_of("grader.requeue_stuck_submissions") == "periodic"
    assert queue_of("assess.submit_expired_attempts") == "periodic"
    assert queue_of("grader.grade_submission") == "cpu"
    schedule = app.conf.beat_schedule
    assert schedule["requeue-stuck-submissions"]["options"]["queue"] == "periodic"
    assert schedule["submit-expired-attempts"]["options"]["queue"] == "periodic"


def test_an_admin_forces_a_regrade_of_a_stuck_row(coding_submission, admin_client, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "grader.tasks.grade_submission_task.apply_async",
        lambda args, **kw: sent.append((args, kw["task_id"])),
    )
    live_holder = capability.worker_identity("hung@host", "abc")
    grading._claim(coding_submission.pk, holder=live_holder, task_id="t-hung")
    response = admin_client.post(
        "/admin/grader/submission/",
        {"action": "force_regrade", "_selected_action": [coding_submission.pk]},
        follow=True,
    )
    assert "1 submission(s) sent to grading again" in response.content.decode()
    row = Submission.objects.get(pk=coding_submission.pk)
    assert (row.status, row.worker) == ("queued", "")
    assert sent == [([coding_submission.pk], row.task_id)] and row.task_id != "t-hung"
    listing = admin_client.get("/admin/grader/submission/?stuck=yes")
    assert listing.status_code == 200
