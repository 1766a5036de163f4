from django.core.management.base import BaseCommand

from quizzes.bank_counts import bank_table


class Command(BaseCommand):
    help = "Print how many active questions the bank has per topic, level and kind."

    def handle(self, *args, **options):
        self.stdout.write(bank_table())
