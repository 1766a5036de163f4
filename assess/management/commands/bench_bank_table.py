"""Time the builder's bank table with a small and a large bank, in a scratch database."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import setup_test_environment, teardown_test_environment

from assess.bench.bank_table import bank_grow, recruiter_client, time_requests


class Command(BaseCommand):
    help = (
        "Create a scratch database, fill the bank to --baseline and then --questions "
        "questions, and time the builder's bank table (first page, a filtered page, a "
        "search) at both sizes, with each request's SQL query count. The scratch database "
        "is dropped at the end; the configured one is never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--baseline", type=int, default=200)
        parser.add_argument("--questions", type=int, default=5000)
        parser.add_argument("--repeat", type=int, default=20)

    def handle(self, *args, baseline, questions, repeat, **options):
        if not 0 < baseline < questions <= 100_000 or not 1 <= repeat <= 1000:
            raise CommandError("Need 0 < --baseline < --questions <= 100000, 1 <= --repeat.")
        # The test runner's machinery gives a throw-away database (and ALLOWED_HOSTS for
        # the test client); its name is not the test suite's, so a test run is not hit.
        test = settings.DATABASES["default"].setdefault("TEST", {})
        if connection.vendor != "sqlite":
            test["NAME"] = f"{settings.DATABASES['default']['NAME']}_bench_bank"
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            client, url = recruiter_client()
            results = []
            for size in (baseline, questions):
                total = bank_grow(size)
                results += [(total, t) for t in time_requests(client, url, repeat)]
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()
        self.stdout.write(
            f"Builder bank table, {connection.vendor}, {repeat} requests each, milliseconds:"
        )
        self.stdout.write(
            f"{'bank':>6}  {'request':<24} {'rows':>6} {'queries':>7} {'median':>8} {'p95':>8}"
        )
        for total, t in results:
            self.stdout.write(
                f"{total:>6}  {t.request:<24} {t.rows:>6} {t.queries:>7} "
                f"{t.median_ms:>8.1f} {t.p95_ms:>8.1f}"
            )
        small = {t.request: t for total, t in results[: len(results) // 2]}
        for _, t in results[len(results) // 2 :]:
            self.stdout.write(
                f"{t.request}: {t.median_ms / small[t.request].median_ms:.2f}x the baseline's "
                f"median, {t.queries - small[t.request].queries:+d} queries"
            )
