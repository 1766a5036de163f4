"""Fixtures shared across test folders; tests/conftest.py imports them."""

from __future__ import annotations

import os
import uuid

import pytest

from .worker import Worker, celery_app_on, database_url


@pytest.fixture
def pipeline(redis_url, settings, tmp_path):
    """Point this process's Celery app at Redis and a private queue; `start()` a worker,
    `start.periodic()` the beat with a worker of its own on a private periodic queue (the
    default schedule: the sweep every GRADER_SWEEP_SECONDS)."""
    queue = f"cpu-test-{uuid.uuid4().hex[:8]}"
    periodic = f"periodic-test-{uuid.uuid4().hex[:8]}"
    settings.GRADER_CPU_QUEUE = queue
    restore = celery_app_on(redis_url)
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CELERY_", "DATABASE_", "GRADER_CPU"))
    }
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "assess.settings",
        "CELERY_BROKER_URL": redis_url,
        "DATABASE_URL": database_url(),
        "NORMASSESS_VAR_DIR": str(tmp_path),
        "GRADER_CPU_QUEUE": queue,
        "CELERY_PERIODIC_QUEUE": periodic,
    }
    workers: list[Worker] = []

    def start() -> Worker:
        worker = Worker(env, queue, tmp_path / "worker.log")
        workers.append(worker)
        return worker

    def start_periodic() -> Worker:
        worker = Worker(
            env,
            periodic,
            tmp_path / "periodic.log",
            concurrency=1,
            extra=("-B", "--schedule", str(tmp_path / "celerybeat-schedule")),
        )
        workers.append(worker)
        return worker

    start.queue = queue
    start.periodic = start_periodic
    start.log = tmp_path / "worker.log"
    yield start
    for worker in workers:
        worker.stop()
    restore()
    import redis

    redis.Redis.from_url(redis_url).delete(queue, periodic)


@pytest.fixture
def emails_sent_at_once(monkeypatch):
    """Invitation emails go out during the request: the Celery task runs eagerly, and the
    hook that queues it on commit runs at once (a test's transaction never commits)."""
    from types import SimpleNamespace

    from assess.celery import app
    from assess.hiring import delivery

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setattr(delivery, "transaction", SimpleNamespace(on_commit=lambda fn: fn()))
