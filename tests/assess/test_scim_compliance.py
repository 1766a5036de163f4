"""The SCIM compliance tester (scim2-tester) against our endpoint on a live server: every
check it runs passes (discovery, create, read, list, replace, patch add/replace/remove,
attribute selection, delete, unknown URLs). Run with `-s` to see the figures."""

from __future__ import annotations

from collections import Counter

import pytest
from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from assess.scim.models import Directory
from tests.assess import factories

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_scim(live_server):
    """The live server; afterwards its request threads' kept database connections are
    ended, so the test database can be dropped at the end of the run."""
    yield live_server
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def test_scim2_tester_finds_no_error_on_our_endpoint(live_scim):
    _, token = Directory.rotate(factories.make_org("acme"))
    http = Client(base_url=f"{live_scim.url}/scim/v2", headers={"Authorization": f"Bearer {token}"})
    results = check_server(SyncSCIMClient(http))
    counts = Counter(result.status.name for result in results)
    print(f"\nscim2-tester 0.5.2: {len(results)} checks, {dict(sorted(counts.items()))}")
    failures = [
        f"{result.title} ({result.resource_type}): {result.reason}"
        for result in results
        if result.status not in (Status.SUCCESS, Status.SKIPPED)
    ]
    for line in failures:
        print("  ", line)
    for result in results:
        if result.status == Status.SKIPPED:
            print("   skipped:", result.title, result.resource_type, "-", result.reason)
    assert not failures
    assert counts["SUCCESS"] > 50
