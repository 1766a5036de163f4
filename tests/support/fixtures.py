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
    start.env = env  # a test may add variables before its first start()
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


@pytest.fixture
def coding_submission(django_capture_on_commit_callbacks):
    """A submitted attempt with one coding question answered correctly; its submission."""
    from assess.attempts.services import answer_save, attempt_start, attempt_submit
    from grader.models import Submission
    from quizzes.models import Kind
    from tests.assess import factories

    bank = factories.make_bank("coding", "single")
    assessment = factories.make_assessment(
        factories.make_org(), [bank["coding"], bank["single"]], pass_mark=50
    )
    inv, _ = factories.make_invitation(assessment)
    attempt = attempt_start(inv)
    coding = next(
        a for a in attempt.answers.select_related("question_version") if a.kind == Kind.CODING
    )
    answer_save(attempt, coding.position, factories.GOOD_LAYERNORM, 0)
    with django_capture_on_commit_callbacks(execute=False):
        attempt_submit(attempt)
    return Submission.objects.get(answer=coding)


@pytest.fixture(scope="module")
def grading_services(tmp_path_factory):
    """Hiring's and practice's grading services, as `make run` starts them: two real
    `python -m grader serve` processes. Their sockets by purpose, and `pids` by purpose."""
    from grader.engine.sandbox import HIRING, PRACTICE

    from .grading_service import running_service

    root = tmp_path_factory.mktemp("services")
    paths = {HIRING: str(root / "grader.sock"), PRACTICE: str(root / "grader-practice.sock")}
    with running_service(paths[HIRING]) as hiring, running_service(paths[PRACTICE]) as practice:
        yield paths | {"pids": {HIRING: hiring.pid, PRACTICE: practice.pid}}


@pytest.fixture
def embedded_broker(settings, tmp_path):
    """Celery's filesystem broker (no Redis): workers announce themselves with files here."""
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.GRADER_WORKERS_FOLDER = str(tmp_path / "workers")
    settings.GRADER_HEARTBEAT_TTL_SECONDS = 2
    return tmp_path / "workers"


@pytest.fixture
def announced_worker(embedded_broker, settings):
    """`announce(name, kind=..., runtimes=..., queues=...)`: a live grading worker's
    announcement as `grader.worker` writes it (a file of the embedded broker), for the
    rule that the platform offers only what some live worker can grade."""
    from grader import capability

    def announce(name="celery@test", *, kind="cpu", runtimes=("numpy",), queues=None) -> str:
        if queues is None:
            queues = (
                [settings.GRADER_GPU_QUEUE]
                if kind == "gpu"
                else [settings.GRADER_CPU_QUEUE, settings.PRACTICE_CODE_QUEUE]
            )
        info = {"kind": kind, "queues": list(queues), "runtimes": list(runtimes)}
        if settings.PRACTICE_CODE_QUEUE in queues:
            info["practice_runtimes"] = list(runtimes)
        capability.announce(name, info, 60, folder=embedded_broker)
        return name

    announce.folder = embedded_broker
    return announce
