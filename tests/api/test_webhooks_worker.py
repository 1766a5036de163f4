"""Webhooks with a real Celery worker on a real Redis: a receiver failing twice gets the
`attempt.graded` event on the third try, signed, once, and never again after success."""

from __future__ import annotations

import json
import os
import time
import uuid

import pytest

from assess.api.models import DeliveryStatus, WebhookDelivery
from assess.api.webhook_addresses import webhook_endpoint_register
from assess.api.webhook_signing import SIGNATURE_HEADER, webhook_signature_verify
from tests.assess import factories
from tests.support.receiver import Receiver
from tests.support.worker import Worker, celery_app_on, database_url, wait_for

from .conftest import graded_attempt

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BACKOFF = 1  # seconds: tries at t, t+1, t+1+2


@pytest.fixture
def webhook_worker(redis_url, settings, tmp_path):
    """Point this process's Celery app at Redis and send webhook deliveries to a private
    queue (WEBHOOKS_QUEUE); `start()` a worker on that queue with short backoff and
    loopback allowed. The worker publishes the retries back to the queue the message came
    in on, i.e. the private queue."""
    queue = f"webhooks-test-{uuid.uuid4().hex[:8]}"
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True  # registering the loopback receiver
    settings.WEBHOOKS_QUEUE = queue
    restore = celery_app_on(redis_url)
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CELERY_", "DATABASE_", "WEBHOOKS_"))
    }
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "assess.settings",
        "CELERY_BROKER_URL": redis_url,
        "DATABASE_URL": database_url(),
        "NORMASSESS_VAR_DIR": str(tmp_path),
        "WEBHOOKS_RETRY_BACKOFF_SECONDS": str(BACKOFF),
        "WEBHOOKS_MAX_TRIES": "5",
        "WEBHOOKS_ALLOW_PRIVATE_HOSTS": "1",
    }
    workers: list[Worker] = []

    def start() -> Worker:
        worker = Worker(env, queue, tmp_path / "worker.log", concurrency=2)
        workers.append(worker)
        return worker

    start.log = tmp_path / "worker.log"
    yield start
    for worker in workers:
        worker.stop()
    restore()
    import redis

    redis.Redis.from_url(redis_url).delete(queue)


@pytest.fixture
def failing_twice():
    receiver = Receiver([500, 500])
    yield receiver
    receiver.close()


def test_a_worker_delivers_on_the_third_try_once_and_never_again(webhook_worker, failing_twice):
    r = failing_twice
    org = factories.make_org()
    assessment = factories.make_assessment(org, [factories.make_bank()["single"]])
    endpoint = webhook_endpoint_register(org, r.url)
    webhook_worker()

    attempt = graded_attempt(assessment, "Grace Hopper")  # commits, then queues the event
    attempt.refresh_from_db()
    assert attempt.graded_at is not None

    def delivered():
        return WebhookDelivery.objects.filter(
            endpoint=endpoint, status=DeliveryStatus.DELIVERED
        ).exists()

    wait_for(delivered, 20, webhook_worker.log, "the delivery to succeed")
    received_at = time.monotonic()
    assert len(r.requests) == 3
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.tries, delivery.response_status, delivery.error) == (
        DeliveryStatus.DELIVERED,
        3,
        200,
        "",
    )
    assert delivery.delivered_at is not None and delivery.next_try_at is None

    # The same event each time; the accepted one carries a valid, fresh signature.
    assert len({body for _, body in r.requests}) == 1
    # The worker waited the configured backoff (1 s, then 2 s) between tries.
    stamps = [int(h[SIGNATURE_HEADER].split(",")[0].removeprefix("t=")) for h, _ in r.requests]
    assert stamps[1] - stamps[0] >= BACKOFF and stamps[2] - stamps[1] >= 2 * BACKOFF
    assert {headers["X-NormAssess-Delivery"] for headers, _ in r.requests} == {delivery.event_id}
    headers, body = r.requests[-1]
    assert webhook_signature_verify(endpoint.secret, headers[SIGNATURE_HEADER], body)
    assert not webhook_signature_verify("whsec_wrong", headers[SIGNATURE_HEADER], body)
    event = json.loads(body)
    assert (event["id"], event["type"]) == (delivery.event_id, "attempt.graded")
    assert event["data"]["attempt"]["id"] == attempt.pk
    assert event["data"]["attempt"]["status"] == "graded"

    # Nothing more arrives after the success.
    time.sleep(max(0.0, 4 - (time.monotonic() - received_at)))
    assert len(r.requests) == 3
    delivery.refresh_from_db()
    assert (delivery.status, delivery.tries) == (DeliveryStatus.DELIVERED, 3)
