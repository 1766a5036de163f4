from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes.bankfiles import BANK_DIR, BankError, load_bank, read_bank


class Command(BaseCommand):
    help = "Load the YAML question bank (idempotent; changed questions get a new version)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", type=Path, default=BANK_DIR, help="bank folder (default: quizzes/bank)"
        )
        parser.add_argument("--check", action="store_true", help="validate only, write nothing")
        parser.add_argument(
            "--keep-missing",
            action="store_true",
            help="do not retire questions that are absent from the files",
        )

    def handle(self, *args, dir: Path, check: bool, keep_missing: bool, **options):
        try:
            bank = read_bank(dir)
        except BankError as exc:
            for issue in exc.issues:
                self.stderr.write(str(issue))
            raise CommandError(f"{len(exc.issues)} problem(s) found; nothing was loaded") from None
        if check:
            self.stdout.write(f"OK: {len(bank.topics)} topics, {len(bank.questions)} questions")
            return
        summary = load_bank(bank, retire_missing=not keep_missing)
        self.stdout.write(self.style.SUCCESS(f"Loaded the bank: {summary}"))
