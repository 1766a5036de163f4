"""Re-apply the erasure log after restoring the database from a backup (docs/privacy.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assess.privacy.erasure_log import ErasureLogError, erasure_log_path, erasure_log_read
from assess.privacy.services import erasures_replay


class Command(BaseCommand):
    help = (
        "Erase again every candidate the erasure log names that a restored backup brought "
        "back. Run it right after a restore, before the site takes traffic."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--log", type=Path, default=None, help="The erasure log (default: PRIVACY_ERASURE_LOG)."
        )

    def handle(self, *args, log: Path | None, **options):
        path = log or erasure_log_path()
        if log is not None and not path.exists():
            raise CommandError(f"No erasure log at {path}.")
        try:
            lines = erasure_log_read(path)
        except ErasureLogError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(erasures_replay(lines)))
