"""The API driven by its own OpenAPI schema: schemathesis runs against the app served on
loopback (`live_server`), with a seeded database and a valid token, and must find no
server error and no response that breaks the schema."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from assess.api.models import ApiToken, WebhookEndpoint
from tests.assess import factories

from .conftest import graded_attempt

ST = Path(sys.executable).with_name("st")

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "unsupported_method",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
    ]
)


@pytest.mark.slow
def test_schemathesis_finds_no_server_errors(live_server, transactional_db, tmp_path):
    if not ST.exists() and shutil.which("st") is None:
        pytest.skip("schemathesis is not installed (pip install schemathesis==4.32.5)")
    bank = factories.make_bank()
    acme = factories.make_org("acme")
    assessment = factories.make_assessment(acme, [bank["single"]])
    graded_attempt(assessment, "Fuzz Candidate")
    factories.make_invitation(assessment, name="Open Invitation")
    WebhookEndpoint.objects.create(organization=acme, url="https://hooks.example.com/x")
    # Another organization's rows are there too: nothing of them may come back.
    globex = factories.make_org("globex")
    graded_attempt(factories.make_assessment(globex, [bank["single"]]), "Globex Secret")
    _, token = ApiToken.issue(acme, "fuzz", can_read_bank=True)

    rates = {"api_read": "100000/min", "api_write": "100000/min"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        result = subprocess.run(
            [
                str(ST),
                "run",
                f"{live_server.url}/api/schema/?format=json",
                "--url",
                live_server.url,
                "-H",
                f"Authorization: Bearer {token}",
                "--checks",
                CHECKS,
                "--max-examples",
                "6",
                "--seed",
                "20261121",
                "--workers",
                "1",
                "--no-color",
                "--generation-database",
                "none",
                "--report",
                "ndjson",
                "--report-ndjson-path",
                str(tmp_path / "events.ndjson"),
            ],
            capture_output=True,
            text=True,
            timeout=240,
        )
    tail = result.stdout[-6000:] + result.stderr[-2000:]
    print(tail)
    assert result.returncode == 0, tail
    assert "Globex Secret" not in (tmp_path / "events.ndjson").read_text()
