from pathlib import Path

from django.core.management.base import BaseCommand

from quizzes.bankfiles import BANK_DIR, dump_bank


class Command(BaseCommand):
    help = "Write the bank (topics and each active question's latest version) back to YAML."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", type=Path, default=BANK_DIR, help="target folder (default: quizzes/bank)"
        )

    def handle(self, *args, dir: Path, **options):
        written = dump_bank(dir)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(written)} files under {dir}"))
