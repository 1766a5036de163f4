"""No personal data in logs, error reports or metrics: emails and candidate links are
redacted from every log record (its exception text too), candidate pages' query strings
are dropped, error reports hide form values and local variables, rows are named by number."""

from __future__ import annotations

import logging
import sys

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import ExceptionReporter

from assess.logredact import redact
from assess.models import Membership, Role
from tests.assess.privacy_support import candidate_with_everything

logger = logging.getLogger("assess.tests.privacy")


def test_emails_and_candidate_query_strings_are_redacted():
    token = "Q" * 43
    assert redact("550 5.1.1 <zq.taylor+x@mail.example.org>: rejected") == (
        "550 5.1.1 <[email]>: rejected"
    )
    assert redact(f'"GET /t/{token}/q/3/run/?source=import%20numpy HTTP/1.1" 200') == (
        '"GET /t/[redacted]/q/3/run/?[redacted] HTTP/1.1" 200'
    )
    assert redact("noreply@localhost and /t/short/?a=1") == "noreply@localhost and /t/short/?a=1"


def test_a_logged_exception_does_not_carry_the_email_in_its_traceback(caplog):
    caplog.set_level(logging.INFO)
    try:
        raise ValueError("duplicate key (candidate_email)=(zq.taylor@example.org)")
    except ValueError:
        logger.exception("could not save invitation for %s", "zq.taylor@example.org")
    assert "ValueError" in caplog.text  # the traceback is there...
    assert "zq.taylor" not in caplog.text  # ...without the address
    assert caplog.text.count("[email]") >= 2


@pytest.mark.django_db
def test_error_reports_hide_form_values_and_local_variables(settings):
    # Built at run time: the report quotes this file's source lines around the failure.
    marker, name, email = "zq_" + "secret_code", "Zeno" + "bia", "zq.t" + "@example.org"
    request = RequestFactory().post(
        "/t/x/q/1/run/", {"source": f"return x  # {marker}", "candidate_name": name}
    )
    candidate_email = email  # a local variable of the failing frame
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        report = ExceptionReporter(request, *sys.exc_info())
    text = report.get_traceback_text()
    html = report.get_traceback_html()
    assert "boom" in text and "source" in text  # the report itself is there
    for secret in (marker, name, candidate_email):
        assert secret not in text and secret not in html


@pytest.mark.django_db
def test_rows_are_named_by_number_and_metrics_hold_no_candidate(
    client, assessment, django_user_model, settings, django_capture_on_commit_callbacks, tmp_path
):
    settings.PRIVACY_ERASURE_LOG = str(tmp_path / "erasure-log.jsonl")
    staff = django_user_model.objects.create_user("ana", password="pw-ana-12345678")
    candidate = candidate_with_everything(
        client, assessment, staff, django_capture_on_commit_callbacks
    )
    for row in (candidate.invitation, candidate.attempt):
        assert candidate.name not in str(row) and candidate.email not in str(row)
    settings.METRICS_TOKEN = "metrics-secret"
    metrics = client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-secret")
    assert metrics.status_code == 200
    body = metrics.content.decode()
    assert "django_http_requests" in body or "grading" in body
    for label, needle in candidate.needles.items():
        assert needle not in body, label

    # An erasure takes no count back: Prometheus counters only grow (the erasure's own
    # `candidate.erased` delivery adds one).
    def counters(text: str) -> dict[str, float]:
        return {
            line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith(("normassess_grading_", "normassess_webhook_"))
            and any(kind in line for kind in ("_total", "_bucket", "_count"))
        }

    before = counters(body)
    assert before['normassess_grading_verdicts_total{verdict="accepted"}'] >= 1
    erase_admin = django_user_model.objects.create_user("eve", password="pw-eve-12345678")
    Membership.objects.create(
        user=erase_admin, organization=assessment.organization, role=Role.ADMIN
    )
    client.force_login(erase_admin)
    url = reverse("org:privacy_erase", args=[assessment.organization.slug, candidate.invitation.pk])
    assert client.post(url, {"confirm": "erase"}).status_code == 302
    after = counters(
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-secret").content.decode()
    )
    grading = {k: v for k, v in before.items() if k.startswith("normassess_grading_")}
    assert grading and all(after[k] == v for k, v in grading.items())
    assert all(after[k] >= v for k, v in before.items())
    assert sum(after.values()) == sum(before.values()) + 1
