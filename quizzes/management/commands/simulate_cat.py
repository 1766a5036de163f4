from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quizzes import irt
from quizzes.bankfiles import BANK_DIR, BankError, read_bank
from quizzes.models import Pool
from quizzes.simulation import certainty_tables, simulate

# Only answers scored the moment they are given can steer an adaptive section.
ADAPTIVE_KINDS = ("single_choice", "multiple_choice", "numeric")


class Command(BaseCommand):
    help = (
        "Simulate candidates of known ability over the bank's auto-scored items: level "
        "accuracy and mean length of fixed forms (10/20/30 items) and of the adaptive section, "
        "without and with Sympson-Hetter exposure control."
    )

    def add_arguments(self, parser):
        defaults = irt.AdaptiveRule()
        parser.add_argument("--bank", type=Path, default=BANK_DIR, help="bank folder")
        parser.add_argument("--candidates", type=int, default=2000)
        parser.add_argument("--calibration-candidates", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--certainty",
            action="store_true",
            help="instead: how often the level a report states with N%% certainty is right "
            "(fixed forms of 5 to 30 items; docs/scoring.md)",
        )
        parser.add_argument("--min-items", type=int, default=defaults.min_items)
        parser.add_argument("--max-items", type=int, default=defaults.max_items)
        parser.add_argument("--target-se", type=float, default=defaults.target_se)
        parser.add_argument(
            "--confidence",
            type=float,
            default=defaults.level_confidence,
            help="stop once one level is this probable (0 turns the rule off)",
        )
        parser.add_argument("--randomesque", type=int, default=defaults.randomesque)
        parser.add_argument(
            "--max-exposure",
            type=float,
            default=settings.ASSESS_ADAPTIVE_MAX_EXPOSURE,
            help="Sympson-Hetter target r_max for the SH rows (0.05 to 1; 1 leaves them out)",
        )
        parser.add_argument(
            "--exposure-candidates",
            type=int,
            default=settings.ASSESS_ADAPTIVE_EXPOSURE_CANDIDATES,
            help="simulated candidates the SH parameters are fitted on",
        )

    def handle(self, *args, **options):
        try:
            bank = read_bank(options["bank"])
        except BankError as exc:
            raise CommandError(f"the bank does not load:\n{exc}") from None
        # The hiring pool's auto-scored questions (what an adaptive section draws from), in
        # the order of their ids, so that how the bank's files are split changes nothing.
        levels = [
            q.level
            for q in sorted(bank.questions, key=lambda q: q.key)
            if q.kind in ADAPTIVE_KINDS and q.pool == Pool.HIRING
        ]
        if options["candidates"] < 1 or options["calibration_candidates"] < 0:
            raise CommandError("--candidates must be at least 1, --calibration-candidates >= 0")
        if options["certainty"]:
            tables = certainty_tables(
                levels,
                candidates=options["candidates"],
                calibration_candidates=options["calibration_candidates"],
                seed=options["seed"],
            )
            self.stdout.write("\n\n".join("\n".join(t.rows()) for t in tables))
            return
        max_exposure = options["max_exposure"]
        if not 0.05 <= max_exposure <= 1:  # also refuses NaN
            raise CommandError("--max-exposure must lie between 0.05 and 1")
        if options["exposure_candidates"] < 1:
            raise CommandError("--exposure-candidates must be at least 1")
        try:
            rule = irt.AdaptiveRule(
                min_items=options["min_items"],
                max_items=options["max_items"],
                target_se=options["target_se"],
                level_confidence=options["confidence"] or None,
                randomesque=options["randomesque"],
            )
            report = simulate(
                levels,
                rule=rule,
                candidates=options["candidates"],
                calibration_candidates=options["calibration_candidates"],
                seed=options["seed"],
                max_exposure=max_exposure if max_exposure < 1 else None,
                exposure_candidates=options["exposure_candidates"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report.table())
