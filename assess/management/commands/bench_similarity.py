"""Time the similarity lookup across an organization's history, in a scratch database."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import setup_test_environment, teardown_test_environment

from assess.bench.similarity_lookup import measure, report


class Command(BaseCommand):
    help = (
        "Create a scratch database, store --answers answers to one coding problem in one "
        "organization, index them as submissions are, and time --lookups similarity "
        "lookups. The scratch database is dropped at the end; the configured one is never "
        "touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--answers", type=int, default=10_000)
        parser.add_argument("--lookups", type=int, default=50)

    def handle(self, *args, answers, lookups, **options):
        if not 20 <= answers <= 200_000 or not 1 <= lookups <= 1000:
            raise CommandError("Need 20 <= --answers <= 200000 and 1 <= --lookups <= 1000.")
        test = settings.DATABASES["default"].setdefault("TEST", {})
        if connection.vendor != "sqlite":
            test["NAME"] = f"{settings.DATABASES['default']['NAME']}_bench_similarity"
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            from tests.assess import factories

            bank = factories.make_bank("coding")
            assessment = factories.make_assessment(factories.make_org(), [bank["coding"]])
            figures = measure(factories.make_invitation(assessment)[0], answers, lookups)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()
        self.stdout.write(f"Similarity across history, {connection.vendor}:")
        for line in report(figures):
            self.stdout.write(line)
