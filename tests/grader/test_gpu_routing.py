"""Worker announcements in a real Redis, and routing by placement: GPU work goes to the GPU
queue only while a GPU worker is alive; gpu-required work waits visibly, and the sweep
sends it on once a GPU worker appears (or back to the CPU when the GPU worker died)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from grader import capability
from grader.models import Submission
from grader.routing import submission_queue, submissions_enqueue
from grader.sweep import submissions_requeue_stuck
from tests.grader.gpu_helpers import GOOD_BN_CUDA, GOOD_BN_RELU, make_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(redis_url, settings):
    """This process's Celery app and settings on Redis, with private queue names."""
    from assess.celery import app

    tag = uuid.uuid4().hex[:8]
    settings.CELERY_BROKER_URL = redis_url
    settings.GRADER_CPU_QUEUE, settings.GRADER_GPU_QUEUE = f"cpu-{tag}", f"gpu-{tag}"
    saved = (app.conf.broker_url, app._pool)
    app.conf.broker_url, app._pool, app.amqp._producer_pool = redis_url, None, None
    client = redis.Redis.from_url(redis_url)
    names: list[str] = []

    def announce_gpu(ttl: int = 30) -> str:
        name = f"gpu-test-{tag}-{len(names)}"
        names.append(name)
        capability.announce(
            name,
            {
                "kind": "gpu",
                "gpu_name": "Fake H100",
                "gpu_memory_bytes": 80 << 30,
                "driver": "fake",
            },
            ttl,
            broker_url=redis_url,
        )
        return name

    def announce_cpu(runtimes=("numpy", "torch")) -> str:
        name = f"cpu-test-{tag}-{len(names)}"
        names.append(name)
        info = {"kind": "cpu", "queues": [settings.GRADER_CPU_QUEUE], "runtimes": list(runtimes)}
        capability.announce(name, info, 30, broker_url=redis_url)
        return name

    announce_gpu.cpu_worker = announce_cpu
    announce_gpu.client = client
    announce_gpu.url = redis_url
    announce_gpu.cpu, announce_gpu.gpu = settings.GRADER_CPU_QUEUE, settings.GRADER_GPU_QUEUE
    yield announce_gpu
    for name in names:
        capability.withdraw(name, broker_url=redis_url)
    client.delete(settings.GRADER_CPU_QUEUE, settings.GRADER_GPU_QUEUE)
    app.conf.broker_url, app._pool = saved
    app.amqp._producer_pool = None


def test_an_announcement_lives_until_its_expiry_and_a_withdrawal_removes_it(broker):
    name = broker(ttl=1)
    record = next(w for w in capability.live_workers(broker_url=broker.url) if w["name"] == name)
    assert (record["kind"], record["gpu_name"], record["gpu_memory_bytes"]) == (
        "gpu",
        "Fake H100",
        80 << 30,
    )
    assert capability.gpu_alive(broker_url=broker.url)
    time.sleep(1.3)  # no heartbeat: the worker "died"
    assert name not in {w["name"] for w in capability.live_workers(broker_url=broker.url)}
    other = broker(ttl=30)
    capability.withdraw(other, broker_url=broker.url)
    assert other not in {w["name"] for w in capability.live_workers(broker_url=broker.url)}


def test_a_heartbeat_keeps_a_short_announcement_alive_and_withdraws_it_on_stop(broker):
    beat = capability.Heartbeat(
        f"beat-{uuid.uuid4().hex[:6]}",
        {"kind": "gpu", "gpu_name": "Fake"},
        1,
        broker_url=broker.url,
    ).start()
    try:
        time.sleep(1.5)  # longer than the TTL: only the refreshes keep it
        assert beat.worker_name in {
            w["name"] for w in capability.live_workers(broker_url=broker.url)
        }
    finally:
        beat.stop()
    assert beat.worker_name not in {
        w["name"] for w in capability.live_workers(broker_url=broker.url)
    }


def test_queue_lengths_count_the_messages_waiting_in_redis(broker):
    broker.client.rpush(broker.gpu, b"a", b"b")
    assert capability.queue_lengths([broker.cpu, broker.gpu], broker_url=broker.url) == {
        broker.cpu: 0,
        broker.gpu: 2,
    }


def test_without_redis_nothing_is_alive_and_queues_are_counted_from_the_broker_folder(tmp_path):
    assert capability.live_workers(broker_url="filesystem://") == []
    assert capability.gpu_alive(broker_url="filesystem://") is False
    assert capability.queue_lengths(["cpu"], broker_url="filesystem://") == {"cpu": None}
    (tmp_path / "1.msg").write_text('{"properties": {"delivery_info": {"routing_key": "cpu"}}}')
    assert capability.queue_lengths(
        ["cpu", "gpu"], broker_url="filesystem://", broker_folder=tmp_path
    ) == {"cpu": 1, "gpu": 0}


def test_cpu_problems_always_go_to_the_cpu_queue(broker):
    broker()
    sub = make_submission("layernorm-forward", "x = 1")
    assert submission_queue(sub) == broker.cpu


def test_gpu_preferred_work_goes_to_the_gpu_queue_only_while_a_gpu_worker_is_alive(broker):
    sub = make_submission("bn-forward-cuda", GOOD_BN_CUDA)
    assert submission_queue(sub) is None  # no worker has torch: it waits
    broker.cpu_worker(runtimes=("numpy",))
    assert submission_queue(sub) is None  # a CPU worker without torch cannot grade it either
    broker.cpu_worker()
    assert submission_queue(sub) == broker.cpu  # no GPU worker: the CPU grades correctness only
    broker()
    assert submission_queue(sub) == broker.gpu
    assert submissions_enqueue([sub.pk]) == 1
    sub.refresh_from_db()
    assert (sub.status, sub.queue) == ("queued", broker.gpu)
    assert broker.client.llen(broker.gpu) == 1


def test_triton_kernel_work_goes_to_a_cpu_worker_with_triton_while_no_gpu_worker_is_alive(
    broker,
):
    sub = make_submission("rmsnorm-backward-triton", "x = 1")
    broker.cpu_worker()  # torch without Triton: its kernels cannot run there
    assert submission_queue(sub) is None
    broker.cpu_worker(runtimes=("numpy", "torch", "triton"))
    assert submission_queue(sub) == broker.cpu  # correctness through the interpreter
    broker()
    assert submission_queue(sub) == broker.gpu  # a live GPU worker times it too


def test_gpu_required_work_waits_visibly_and_the_sweep_sends_it_when_a_gpu_worker_appears(broker):
    sub = make_submission("bn-relu-triton", GOOD_BN_RELU)
    assert submissions_enqueue([sub.pk]) == 0
    sub.refresh_from_db()
    assert (sub.status, sub.get_status_display()) == ("waiting_gpu", "Waiting for a capable worker")
    assert broker.client.llen(broker.cpu) == broker.client.llen(broker.gpu) == 0
    submissions_requeue_stuck()  # still no GPU worker: it keeps waiting
    sub.refresh_from_db()
    assert sub.status == "waiting_gpu"
    broker()
    assert submissions_requeue_stuck() == 1
    sub.refresh_from_db()
    assert (sub.status, sub.queue) == ("queued", broker.gpu)
    assert broker.client.llen(broker.gpu) == 1


def test_gpu_work_whose_gpu_worker_died_goes_back_to_the_cpu_after_the_grace_period(
    broker, settings
):
    settings.GRADER_GPU_GRACE_SECONDS = 30
    broker.cpu_worker()  # a CPU worker with torch grades gpu-preferred work for correctness
    name = broker()
    preferred = make_submission("bn-forward-cuda", GOOD_BN_CUDA)
    required = make_submission(
        "bn-relu-triton", GOOD_BN_RELU, answer=preferred.answer, public_only=True
    )
    assert submissions_enqueue([preferred.pk, required.pk]) == 2
    capability.withdraw(name, broker_url=broker.url)  # the GPU worker is gone
    assert submissions_requeue_stuck() == 0  # within the grace period nothing moves
    Submission.objects.update(enqueued_at=timezone.now() - timedelta(seconds=31))
    assert submissions_requeue_stuck() == 1
    preferred.refresh_from_db()
    required.refresh_from_db()
    assert (preferred.status, preferred.queue) == ("queued", broker.cpu)
    assert required.status == "waiting_gpu"
    assert broker.client.llen(broker.cpu) == 1
