"""Start a Celery worker beside Django's development server, and stop it on exit."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the development web server and a Celery worker together (what `make run` does)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to serve on")
        parser.add_argument("--no-worker", action="store_true", help="do not start a worker")

    def handle(self, *args, addr: str, no_worker: bool, **options):
        # SIGTERM (e.g. `kill`, or the terminal closing) must also stop the worker: turn it
        # into SystemExit so the `finally` below runs, as it does for Ctrl+C.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        worker = None
        if not no_worker:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "assess",
                    "worker",
                    "-B",
                    "-Q",
                    f"cpu,{settings.CELERY_PERIODIC_QUEUE}",
                    "--concurrency",
                    "2",
                    "--loglevel",
                    "INFO",
                    "-n",
                    "dev-cpu@%h",
                    # -B: the periodic tasks (auto-submit at the deadline, re-queue stuck
                    # grades) run inside this one development worker.
                    "--schedule",
                    str(settings.VAR_DIR / "celerybeat-schedule"),
                ],
                env={**os.environ},
                start_new_session=True,
            )
            self.stdout.write(
                f"Celery worker started (pid {worker.pid}, broker {settings.CELERY_BROKER_URL.split('@')[-1]})"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Open http://{addr}/  (practice mode)\n  Admin: http://{addr}/admin/\n"
            )
        )
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            if worker is not None and worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
