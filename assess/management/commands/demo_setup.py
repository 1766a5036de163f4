from django.core.management.base import BaseCommand, CommandError

from assess.demo import DemoRefused, demo_setup


class Command(BaseCommand):
    help = (
        "Create the demo organization with a recruiter, a reviewer and an admin (development only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default="normdemo-2026", help="password for every demo user"
        )
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="where the printed links point"
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="set existing demo users' passwords to --password again (signs them out); "
            "without it they keep theirs, and stay signed in",
        )

    def handle(self, *args, password: str, base_url: str, reset_passwords: bool, **options):
        if len(password) < 8:
            raise CommandError("--password must have at least 8 characters")
        try:
            logins = demo_setup(
                password,
                out=self.stdout.write,
                base_url=base_url.rstrip("/"),
                reset_passwords=reset_passwords,
            )
        except DemoRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("Demo logins (organization 'Demo Labs'):")
        for login in logins:
            shown = login.password or "(changed by its user; --reset-passwords sets it back)"
            self.stdout.write(
                f"  {login.role:<10} username: {login.username:<10} password: {shown}"
            )
