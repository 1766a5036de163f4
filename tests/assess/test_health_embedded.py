"""The health panel sees the `make run` worker: with the embedded filesystem broker (no
Redis) a worker announces itself with a file, so the panel does not say "No grading worker
answered" while that worker grades, and says when it cannot grade practice code."""

from __future__ import annotations

import time
from types import SimpleNamespace

from assess.review.health import grading_health
from grader import capability, worker
from grader.engine.sandbox import HIRING, PRACTICE, installed_runtimes


def started_worker(name: str, queues: list[str]):
    """What Celery hands `worker_ready`'s receivers: the worker, with its consumer's queues."""
    consumer = SimpleNamespace(queues=[SimpleNamespace(name=q) for q in queues])
    return SimpleNamespace(hostname=name, task_consumer=consumer)


def test_the_embedded_worker_is_seen_by_the_health_panel_until_it_stops(db, embedded_broker):
    assert "No grading worker answered" in " ".join(grading_health().errors)
    worker.announce_worker(sender=started_worker("celery@laptop", ["cpu"]))
    try:
        health = grading_health()
        assert [(w["name"], w["kind"]) for w in health.workers] == [("celery@laptop", "cpu")]
        assert health.errors == [] and health.gpu_alive is False
    finally:
        worker.withdraw_worker()
    assert grading_health().workers == []


def test_a_crashed_embedded_worker_drops_out_when_its_record_expires(embedded_broker):
    capability.announce("celery@gone", {"kind": "gpu"}, ttl_s=1, folder=embedded_broker)
    assert capability.gpu_alive(broker_url="filesystem://", folder=embedded_broker)
    time.sleep(1.1)
    assert capability.live_workers(broker_url="filesystem://", folder=embedded_broker) == []


def test_the_panel_names_a_worker_without_a_practice_grading_service(
    db, embedded_broker, grading_services, monkeypatch, settings
):
    # A deployment that forgot grader-practice: hiring grades still work, practice is refused.
    monkeypatch.setenv("GRADER_SERVICE_SOCKET", grading_services[HIRING])
    monkeypatch.delenv("GRADER_PRACTICE_SERVICE_SOCKET", raising=False)
    worker.announce_worker(sender=started_worker("celery@box", [settings.PRACTICE_CODE_QUEUE]))
    try:
        errors = grading_health().errors
    finally:
        worker.withdraw_worker()
    (error,) = errors  # not "cannot sandbox coding answers": the hiring service answers
    assert error.startswith("Worker celery@box cannot grade practice code")
    assert "GRADER_PRACTICE_SERVICE_SOCKET is unset" in error


def test_the_panel_is_quiet_when_both_grading_services_answer(
    db, embedded_broker, grading_services, monkeypatch, settings
):
    monkeypatch.setenv("GRADER_SERVICE_SOCKET", grading_services[HIRING])
    monkeypatch.setenv("GRADER_PRACTICE_SERVICE_SOCKET", grading_services[PRACTICE])
    worker.announce_worker(sender=started_worker("celery@box", [settings.PRACTICE_CODE_QUEUE]))
    try:
        health = grading_health()
    finally:
        worker.withdraw_worker()
    assert health.errors == []
    (announced,) = health.workers
    assert announced["practice_problem"] is None and announced["sandbox_problem"] is None
    # What each sandbox runs, as its grading service answers (torch where it is installed).
    assert announced["runtimes"] == announced["practice_runtimes"] == installed_runtimes()


def test_a_worker_without_a_practice_service_announces_no_practice_runtimes(
    db, embedded_broker, grading_services, monkeypatch, settings
):
    monkeypatch.setenv("GRADER_SERVICE_SOCKET", grading_services[HIRING])
    monkeypatch.delenv("GRADER_PRACTICE_SERVICE_SOCKET", raising=False)
    worker.announce_worker(sender=started_worker("celery@box", [settings.PRACTICE_CODE_QUEUE]))
    try:
        (announced,) = grading_health().workers
    finally:
        worker.withdraw_worker()
    assert announced["practice_runtimes"] == [] and announced["runtimes"] == installed_runtimes()
