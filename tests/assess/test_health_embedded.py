"""The health panel sees the `make run` worker: with the embedded filesystem broker (no
Redis) a worker announces itself with a file, so the panel does not say "No grading worker
answered" while that worker grades."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from assess.review.health import grading_health
from grader import capability, worker


@pytest.fixture
def embedded(settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.GRADER_WORKERS_FOLDER = str(tmp_path / "workers")
    settings.GRADER_HEARTBEAT_TTL_SECONDS = 2
    return tmp_path / "workers"


def started_worker(name: str, queues: list[str]):
    """What Celery hands `worker_ready`'s receivers: the worker, with its consumer's queues."""
    consumer = SimpleNamespace(queues=[SimpleNamespace(name=q) for q in queues])
    return SimpleNamespace(hostname=name, task_consumer=consumer)


def test_the_embedded_worker_is_seen_by_the_health_panel_until_it_stops(db, embedded):
    assert "No grading worker answered" in " ".join(grading_health().errors)
    worker.announce_worker(sender=started_worker("celery@laptop", ["cpu"]))
    try:
        health = grading_health()
        assert [(w["name"], w["kind"]) for w in health.workers] == [("celery@laptop", "cpu")]
        assert health.errors == [] and health.gpu_alive is False
    finally:
        worker.withdraw_worker()
    assert grading_health().workers == []


def test_a_crashed_embedded_worker_drops_out_when_its_record_expires(embedded):
    capability.announce("celery@gone", {"kind": "gpu"}, ttl_s=1, folder=embedded)
    assert capability.gpu_alive(broker_url="filesystem://", folder=embedded)
    time.sleep(1.1)
    assert capability.live_workers(broker_url="filesystem://", folder=embedded) == []
