"""A real `celery worker -Q gpu` on this CPU machine, claiming a fake GPU
(GRADER_FAKE_GPU), against a real Redis: it announces itself, grades GPU work (on CPU
tensors, saying so), and picks up gpu-required work that waited for it."""

from __future__ import annotations

import json
import os
import uuid

import pytest
import redis

from grader import capability
from grader.models import Submission
from grader.routing import submissions_enqueue
from grader.sweep import submissions_requeue_stuck
from tests.grader.gpu_helpers import GOOD_BN_CUDA, GOOD_BN_RELU, make_submission
from tests.support.optional import require
from tests.support.worker import Worker, celery_app_on, database_url, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
require("torch")


@pytest.fixture
def gpu_pipeline(redis_url, settings, tmp_path):
    tag = uuid.uuid4().hex[:8]
    cpu, gpu = f"cpu-{tag}", f"gpu-{tag}"
    settings.CELERY_BROKER_URL = redis_url
    settings.GRADER_CPU_QUEUE, settings.GRADER_GPU_QUEUE = cpu, gpu
    restore = celery_app_on(redis_url)
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_", "GRADER_"))
    }
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "assess.settings",
        "CELERY_BROKER_URL": redis_url,
        "DATABASE_URL": database_url(),
        "NORMASSESS_VAR_DIR": str(tmp_path),
        "GRADER_CPU_QUEUE": cpu,
        "GRADER_GPU_QUEUE": gpu,
        "GRADER_HEARTBEAT_TTL_SECONDS": "3",
        "GRADER_FAKE_GPU": json.dumps({"gpu_name": "Fake H100", "gpu_memory_bytes": 80 << 30}),
    }
    workers: list[Worker] = []

    def start() -> Worker:
        worker = Worker(env, gpu, tmp_path / "worker.log", concurrency=1)
        workers.append(worker)
        return worker

    start.log = tmp_path / "worker.log"
    start.url = redis_url
    yield start
    for worker in workers:
        worker.stop()
    restore()
    redis.Redis.from_url(redis_url).delete(cpu, gpu)


def gpu_workers(url: str) -> list[dict]:
    return [
        w
        for w in capability.live_workers(broker_url=url)
        if w["kind"] == "gpu" and "Fake" in str(w["gpu_name"])
    ]


def test_gpu_required_work_waits_until_a_gpu_worker_appears_then_is_graded_there(gpu_pipeline):
    required = make_submission("bn-relu-triton", GOOD_BN_RELU)
    assert submissions_enqueue([required.pk]) == 0
    required.refresh_from_db()
    assert required.status == "waiting_gpu"

    worker = gpu_pipeline()
    wait_for(
        lambda: gpu_workers(gpu_pipeline.url), 60, gpu_pipeline.log, "the GPU worker's announcement"
    )
    record = gpu_workers(gpu_pipeline.url)[0]
    assert (record["gpu_name"], record["gpu_memory_bytes"], record["fake"]) == (
        "Fake H100",
        80 << 30,
        True,
    )

    submissions_requeue_stuck()  # the beat's sweep: a GPU worker is alive now
    wait_for(
        lambda: Submission.objects.filter(pk=required.pk, status="graded").exists(),
        90,
        gpu_pipeline.log,
        "the waiting submission's grade",
    )
    required.refresh_from_db()
    assert required.verdict == "accepted" and required.queue.startswith("gpu-")
    assert required.report["speed"]["note"].startswith(
        "speed not measured: graded on a fake GPU worker"
    )

    # gpu-preferred work goes to the live GPU worker too.
    preferred = make_submission("bn-forward-cuda", GOOD_BN_CUDA)
    assert submissions_enqueue([preferred.pk]) == 1
    wait_for(
        lambda: Submission.objects.filter(pk=preferred.pk, status="graded").exists(),
        60,
        gpu_pipeline.log,
        "the gpu-preferred grade",
    )
    preferred.refresh_from_db()
    assert preferred.verdict == "accepted" and preferred.queue == required.queue

    # A killed worker stops being counted once its announcement expires (TTL 3 s).
    worker.kill()
    wait_for(
        lambda: not gpu_workers(gpu_pipeline.url),
        10,
        gpu_pipeline.log,
        "the announcement to expire",
    )
    late = make_submission("bn-relu-triton", GOOD_BN_RELU)
    submissions_enqueue([late.pk])
    late.refresh_from_db()
    assert late.status == "waiting_gpu"
    assert Submission.objects.filter(status="waiting_gpu").count() == 1
