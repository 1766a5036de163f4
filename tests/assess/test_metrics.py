"""Prometheus metrics at /metrics: requests, grading and webhook deliveries, token-protected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from grader.models import Submission, SubmissionStatus
from tests.assess import factories

TOKEN = "scrape-me-1234"


@pytest.fixture(autouse=True)
def no_broker(monkeypatch, settings):
    monkeypatch.setattr("grader.routing.submissions_enqueue", lambda ids: len(ids))
    settings.METRICS_TOKEN = TOKEN


def scrape(client) -> dict:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def coding_submission(assessment, name: str) -> Submission:
    invitation, _ = factories.make_invitation(assessment, name=name)
    attempt = attempt_start(invitation)
    coding = next(a for a in attempt.answers.all() if a.kind == "coding")
    answer_save(attempt, coding.position, factories.GOOD_LAYERNORM, 0)
    attempt_submit(attempt)
    return Submission.objects.get(answer__attempt=attempt, public_only=False)


def test_metrics_need_the_token_in_production(client, settings):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    settings.METRICS_TOKEN = ""
    settings.DEBUG = False
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_grading_metrics_count_backlog_verdicts_errors_and_latency(client, assessment):
    waiting = coding_submission(assessment, "Ada Lovelace")
    accepted = coding_submission(assessment, "Bo Bell")
    broken = coding_submission(assessment, "Cy Crane")
    now = timezone.now()
    Submission.objects.filter(pk=accepted.pk).update(
        status=SubmissionStatus.GRADED,
        verdict="accepted",
        attempts=1,
        created_at=now - timedelta(seconds=4),
        finished_at=now,
    )
    Submission.objects.filter(pk=broken.pk).update(
        status=SubmissionStatus.INTERNAL_ERROR,
        verdict="internal_error",
        attempts=5,
        created_at=now - timedelta(seconds=200),
        finished_at=now,
    )
    client.get("/")  # a request for the request metrics
    samples = scrape(client)
    assert samples[("normassess_grading_submissions", (("status", "queued"),))] == 1
    assert samples[("normassess_grading_verdicts_total", (("verdict", "accepted"),))] == 1
    assert samples[("normassess_grading_verdicts_total", (("verdict", "internal_error"),))] == 1
    assert samples[("normassess_grading_internal_errors_total", ())] == 1
    assert samples[("normassess_grading_extra_runs_total", ())] == 4
    assert samples[("normassess_grading_latency_seconds_bucket", (("le", "5.0"),))] == 1
    assert samples[("normassess_grading_latency_seconds_bucket", (("le", "300.0"),))] == 2
    assert samples[("normassess_grading_latency_seconds_count", ())] == 2
    assert samples[("normassess_grading_latency_seconds_sum", ())] == pytest.approx(204)
    queues = [k for k in samples if k[0] == "normassess_grading_queue_messages"]
    assert queues  # one gauge per grading queue
    requests = [
        v
        for (name, _), v in samples.items()
        if name == "django_http_requests_total_by_method_total"
    ]
    assert sum(requests) >= 1
    assert waiting.status == SubmissionStatus.QUEUED


@pytest.mark.django_db
def test_webhook_deliveries_are_counted_by_status(client, org):
    from assess.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(organization=org, url="https://ats.example/hook")
    for n, status in enumerate([DeliveryStatus.DELIVERED, DeliveryStatus.DELIVERED, "failed"]):
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id=f"e{n}",
            event_type="attempt.submitted",
            payload={},
            status=status,
            tries=n + 1,
        )
    samples = scrape(client)
    assert samples[("normassess_webhook_deliveries_total", (("status", "delivered"),))] == 2
    assert samples[("normassess_webhook_deliveries_total", (("status", "failed"),))] == 1
    assert samples[("normassess_webhook_delivery_tries_total", ())] == 6
