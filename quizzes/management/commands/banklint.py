from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes.bankfiles import BANK_DIR, BankError, read_bank
from quizzes.banklint import format_report, lint_bank


class Command(BaseCommand):
    help = (
        "Lint the question bank for answer cues (key length, position words, lone hedges, "
        "near-duplicate stems, thin explanations); exits non-zero above the thresholds "
        "in docs/bank.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", type=Path, default=BANK_DIR, help="bank folder (default: quizzes/bank)"
        )

    def handle(self, *args, dir: Path, **options):
        try:
            bank = read_bank(dir)
        except BankError as exc:
            for issue in exc.issues:
                self.stderr.write(str(issue))
            raise CommandError(f"{len(exc.issues)} problem(s) in the bank files") from None
        report = lint_bank(bank.questions)
        self.stdout.write(format_report(report))
        if not report.ok:
            raise CommandError(f"the bank linter found {len(report.failures)} problem(s)")
