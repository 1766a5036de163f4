from django.core.management.base import BaseCommand

from assess.review.item_responses import item_statistics_refresh


class Command(BaseCommand):
    help = (
        "Recompute the question bank's item statistics (facility, discrimination, alpha, "
        "SEM) and exposure from the submitted attempts, as the periodic task does."
    )

    def handle(self, *args, **options):
        summary = item_statistics_refresh()
        self.stdout.write(self.style.SUCCESS(f"Recomputed {summary}"))
