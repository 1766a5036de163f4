"""Prometheus metrics: requests (django-prometheus), grading and webhook deliveries.

Grading and delivery figures are read from the database and the broker when Prometheus
scrapes, not counted in memory: the web server, every worker and every container then
agree, and a restart loses nothing. The rows of an erased candidate leave their countable
fields behind (assess.privacy's ErasedGrade, ErasedDelivery), so the `_total` families
only grow, as Prometheus counters must.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

logger = logging.getLogger(__name__)

# Submit -> final, in seconds: a grade takes seconds; a backlog or a dead worker minutes.
LATENCY_BUCKETS = (1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)


class GradingCollector:
    """Queue depth, grade latency from submit to final, verdicts, internal errors, and
    webhook deliveries by status."""

    def collect(self) -> Iterator:
        from grader.models import FINAL_STATUSES, Submission, SubmissionStatus

        from .api.models import WebhookDelivery
        from .privacy.models import ErasedDelivery, ErasedGrade
        from .review.health import queues_waiting

        graded = Submission.objects.filter(public_only=False)
        by_status = _counts_by(graded, ErasedGrade.objects.all(), "status")
        pending = GaugeMetricFamily(
            "normassess_grading_submissions",
            "Graded (not sample-run) submissions by status; queued + running + waiting_gpu "
            "is the grading backlog.",
            labels=["status"],
        )
        for status in SubmissionStatus.values:
            pending.add_metric([status], by_status.get(status, 0))
        yield pending

        broker = GaugeMetricFamily(
            "normassess_grading_queue_messages",
            "Messages waiting in the broker per grading queue (-1: the broker did not answer).",
            labels=["queue"],
        )
        for queue, length in queues_waiting().items():
            broker.add_metric([queue], -1 if length is None else length)
        yield broker

        verdicts = CounterMetricFamily(
            "normassess_grading_verdicts",
            "Final grades by verdict (internal_error: retries spent on an infrastructure failure).",
            labels=["verdict"],
        )
        final = graded.filter(status__in=FINAL_STATUSES)
        erased_final = ErasedGrade.objects.filter(status__in=FINAL_STATUSES)
        for verdict, n in sorted(_counts_by(final, erased_final, "verdict").items()):
            verdicts.add_metric([verdict or "none"], n)
        yield verdicts

        parts = [
            rows.aggregate(runs=Sum("attempts"), n=Count("pk")) for rows in (final, erased_final)
        ]
        runs = {key: sum(part[key] or 0 for part in parts) for key in ("runs", "n")}
        yield CounterMetricFamily(
            "normassess_grading_internal_errors",
            "Submissions whose grade ended as internal_error.",
            value=by_status.get(SubmissionStatus.INTERNAL_ERROR, 0),
        )
        yield CounterMetricFamily(
            "normassess_grading_extra_runs",
            "Grading runs beyond the first for final submissions (retries and redeliveries).",
            value=(runs["runs"] or 0) - (runs["n"] or 0),
        )
        yield self._latency(final, erased_final)

        deliveries = CounterMetricFamily(
            "normassess_webhook_deliveries",
            "Webhook deliveries by status (pending ones are still being tried).",
            labels=["status"],
        )
        counts = _counts_by(WebhookDelivery.objects.all(), ErasedDelivery.objects.all(), "status")
        for status, n in sorted(counts.items()):
            deliveries.add_metric([status], n)
        yield deliveries
        tries = sum(
            rows.aggregate(tries=Sum("tries"))["tries"] or 0
            for rows in (WebhookDelivery.objects.all(), ErasedDelivery.objects.all())
        )
        yield CounterMetricFamily(
            "normassess_webhook_delivery_tries", "HTTP requests made to webhook receivers.", tries
        )

    @staticmethod
    def _latency(*finals) -> HistogramMetricFamily:
        from datetime import timedelta

        latency = ExpressionWrapper(
            F("finished_at") - F("created_at"), output_field=DurationField()
        )
        buckets = {
            f"le_{i}": Count("pk", filter=Q(latency__lte=timedelta(seconds=bound)))
            for i, bound in enumerate(LATENCY_BUCKETS)
        }
        parts = [
            rows.filter(finished_at__isnull=False)
            .annotate(latency=latency)
            .aggregate(n=Count("pk"), total=Sum("latency"), **buckets)
            for rows in finals
        ]
        figures = {key: sum(part[key] or 0 for part in parts) for key in ["n", *buckets]}
        totals = [part["total"] for part in parts if part["total"] is not None]
        total = sum(totals, timedelta()) if totals else None
        family = HistogramMetricFamily(
            "normassess_grading_latency_seconds",
            "Seconds from a submission's creation (the candidate's submit) to its final grade.",
        )
        family.add_metric(
            [],
            [(str(float(b)), figures[f"le_{i}"]) for i, b in enumerate(LATENCY_BUCKETS)]
            + [("+Inf", figures["n"])],
            sum_value=total.total_seconds() if total is not None else 0.0,
        )
        return family


def _counts_by(live, erased, field: str) -> dict:
    """Rows per value of `field`, the erased candidates' leftovers included."""
    counts: dict = {}
    for rows in (live, erased):
        for value, n in rows.values_list(field).annotate(n=Count("pk")).values_list(field, "n"):
            counts[value] = counts.get(value, 0) + n
    return counts


_grading_registry = CollectorRegistry(auto_describe=False)
_grading_registry.register(GradingCollector())


def _request_registry() -> CollectorRegistry:
    """This process's request metrics, or, under gunicorn with PROMETHEUS_MULTIPROC_DIR set
    (compose does), every worker process's summed: a scrape reaches one process only."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def _authorized(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return settings.DEBUG
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format. In production only with `Authorization: Bearer
    $METRICS_TOKEN`; without a token configured the endpoint does not exist (404)."""
    if not _authorized(request):
        if not settings.METRICS_TOKEN:
            raise Http404("metrics are disabled: set METRICS_TOKEN")
        response = HttpResponse("a bearer token is required\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body = generate_latest(_request_registry())
    try:
        body += generate_latest(_grading_registry)
    except Exception:  # a database or broker outage must not hide the request metrics
        logger.exception("metrics: could not read the grading figures")
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
