"""Webhooks against a real HTTP receiver on loopback: signed, retried with backoff until
the receiver takes it, never sent again after success, and logged."""

from __future__ import annotations

import json
import time

import pytest

from assess.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from assess.api.webhook_signing import (
    SIGNATURE_HEADER,
    webhook_signature,
    webhook_signature_verify,
)
from assess.api.webhooks import (
    deliver_webhook,
    deliveries_requeue_stuck,
    delivery_send,
    webhooks_emit_attempt_graded,
)
from assess.celery import app as celery_app
from assess.outbound import OutboundUrlError, outbound_url_check
from tests.support.receiver import Receiver

from .conftest import assert_error, graded_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    made = []

    def make(script=None) -> Receiver:
        made.append(Receiver(script))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture(autouse=True)
def _fast_retries(settings, monkeypatch):
    settings.WEBHOOKS_RETRY_BACKOFF_SECONDS = 0
    settings.WEBHOOKS_MAX_TRIES = 5
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    # Tasks run in this process (retries included), so the test sees every try.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


def _only_endpoint(acme, url: str) -> WebhookEndpoint:
    # The persona's own endpoint (an unreachable example host) is paused.
    WebhookEndpoint.objects.filter(organization=acme.org).update(active=False)
    return WebhookEndpoint.objects.create(organization=acme.org, url=url)


def _graded_delivery(acme, url: str) -> WebhookDelivery:
    endpoint = _only_endpoint(acme, url)
    [pk] = webhooks_emit_attempt_graded(acme.attempt)
    delivery = WebhookDelivery.objects.get(pk=pk)
    assert delivery.endpoint == endpoint
    return delivery


def test_grading_an_attempt_posts_a_signed_event_that_verifies(
    acme, receiver, django_capture_on_commit_callbacks
):
    r = receiver()
    endpoint = _only_endpoint(acme, r.url)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = graded_attempt(acme.assessment, "Katherine Johnson")
    assert len(r.requests) == 1
    headers, body = r.requests[0]
    assert webhook_signature_verify(endpoint.secret, headers[SIGNATURE_HEADER], body)
    assert not webhook_signature_verify("whsec_wrong", headers[SIGNATURE_HEADER], body)
    assert not webhook_signature_verify(endpoint.secret, headers[SIGNATURE_HEADER], body + b" ")
    event = json.loads(body)
    assert event["type"] == "attempt.graded" and event["id"].startswith("evt_")
    data = event["data"]["attempt"]
    assert (data["id"], data["status"], data["score_percent"], data["passed"]) == (
        attempt.pk,
        "graded",
        100.0,
        True,
    )
    assert data["candidate"]["name"] == "Katherine Johnson"
    assert data["results"]["complete"] is True
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.tries, delivery.response_status) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )


def test_the_signature_is_hmac_sha256_of_timestamp_and_body_with_a_replay_window():
    header = webhook_signature("whsec_x", b'{"a":1}', 1_700_000_000)
    import hashlib
    import hmac

    expected = hmac.new(b"whsec_x", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert webhook_signature_verify("whsec_x", header, b'{"a":1}', now=1_700_000_100)
    assert not webhook_signature_verify("whsec_x", header, b'{"a":1}', now=1_700_000_000 + 301)
    assert not webhook_signature_verify("whsec_x", "garbage", b'{"a":1}')


def test_a_receiver_failing_twice_gets_the_payload_on_the_third_try(acme, receiver):
    r = receiver([500, 503])
    delivery = _graded_delivery(acme, r.url)
    deliver_webhook.apply(args=[delivery.pk])
    assert len(r.requests) == 3
    bodies = {body for _, body in r.requests}
    assert len(bodies) == 1  # the same payload each time
    delivery.refresh_from_db()
    assert (delivery.status, delivery.tries, delivery.response_status, delivery.error) == (
        DeliveryStatus.DELIVERED,
        3,
        200,
        "",
    )


def test_nothing_is_sent_twice_after_success(acme, receiver):
    r = receiver()
    delivery = _graded_delivery(acme, r.url)
    deliver_webhook.apply(args=[delivery.pk])
    deliver_webhook.apply(args=[delivery.pk])  # a redelivered message
    delivery_send(delivery.pk)
    assert webhooks_emit_attempt_graded(acme.attempt) == []  # the event already has its row
    assert len(r.requests) == 1
    assert WebhookDelivery.objects.filter(endpoint__url=r.url).count() == 1


def test_after_the_last_try_the_delivery_is_failed_and_logged(acme, receiver, settings):
    settings.WEBHOOKS_MAX_TRIES = 3
    r = receiver([500, 500, 500, 500])
    delivery = _graded_delivery(acme, r.url)
    deliver_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.tries, delivery.response_status) == (
        DeliveryStatus.FAILED,
        3,
        500,
    )
    assert "HTTP 500" in delivery.error
    assert len(r.requests) == 3


def test_a_client_error_is_final_and_a_dead_receiver_is_retried(acme, receiver, settings):
    r = receiver([400])
    delivery = _graded_delivery(acme, r.url)
    deliver_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.tries) == (DeliveryStatus.FAILED, 1)

    settings.WEBHOOKS_MAX_TRIES = 2
    dead = receiver()
    dead.close()  # nothing listens on this port any more
    WebhookDelivery.objects.all().delete()
    delivery = _graded_delivery(acme, dead.url)
    deliver_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.tries, delivery.response_status) == (
        DeliveryStatus.FAILED,
        2,
        None,
    )
    assert "refused" in delivery.error.lower() or "error" in delivery.error.lower()


def test_the_backoff_grows_exponentially_and_is_capped(settings):
    from assess.api.webhooks import backoff_seconds

    settings.WEBHOOKS_RETRY_BACKOFF_SECONDS = 30
    settings.WEBHOOKS_RETRY_BACKOFF_MAX_SECONDS = 300
    assert [backoff_seconds(n) for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 240, 300]


def test_stuck_pending_deliveries_are_queued_again(acme, receiver):
    from datetime import timedelta

    from django.utils import timezone

    r = receiver()
    delivery = _graded_delivery(acme, r.url)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    assert deliveries_requeue_stuck() == 1
    assert len(r.requests) == 1
    assert deliveries_requeue_stuck() == 0


def test_registration_refuses_other_schemes_and_private_hosts_in_production(api, settings):
    for url in (
        "ftp://example.com/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://",
        "http://u:p@example.com/",
    ):
        with pytest.raises(OutboundUrlError):
            outbound_url_check(url)
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    for url in (
        "http://127.0.0.1:8000/",
        "http://localhost/",
        "http://10.0.0.5/",
        "http://169.254.169.254/latest",
        "http://[::1]/",
        "http://192.168.1.1/",
    ):
        with pytest.raises(OutboundUrlError):
            outbound_url_check(url)
        error = assert_error(
            api.post("/api/v1/webhooks/endpoints/", {"url": url}, format="json"), 400, "invalid"
        )
        assert "url" in error["fields"]


def test_registration_through_the_api_returns_the_secret_once(api, acme, receiver):
    r = receiver()
    response = api.post(
        "/api/v1/webhooks/endpoints/", {"url": r.url, "description": "ATS"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert "secret" not in api.get(f"/api/v1/webhooks/endpoints/{body['id']}/").json()
    assert (
        api.patch(
            f"/api/v1/webhooks/endpoints/{body['id']}/", {"active": False}, format="json"
        ).json()["active"]
        is False
    )


def test_the_delivery_log_is_visible_through_the_api(api, acme, receiver):
    r = receiver([500])
    delivery = _graded_delivery(acme, r.url)
    deliver_webhook.apply(args=[delivery.pk])
    rows = api.get("/api/v1/webhooks/deliveries/?status=delivered").json()["results"]
    assert [(row["id"], row["tries"], row["response_status"]) for row in rows] == [
        (delivery.pk, 2, 200)
    ]
    assert rows[0]["payload"]["type"] == "attempt.graded"


def test_the_receiver_timeout_is_short(acme, settings):
    """A receiver that never answers costs one timeout, then a retry is scheduled."""
    import socket

    from assess.api.webhooks import DeliveryRetry

    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        delivery = _graded_delivery(acme, f"http://127.0.0.1:{silent.getsockname()[1]}/")
        started = time.monotonic()
        with pytest.raises(DeliveryRetry):
            delivery_send(delivery.pk)
        assert time.monotonic() - started < 5
    finally:
        silent.close()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_try_at is not None
