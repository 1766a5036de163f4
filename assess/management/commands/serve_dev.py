"""Start the grading service and a Celery worker beside Django's development server, and
stop them on exit: the same separation as production (the service runs candidates' code
and holds no secret; the worker and the web server hold the secrets and run none)."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


class Command(BaseCommand):
    help = "Run the development web server, the grading service and a Celery worker together (what `make run` does)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to serve on")
        parser.add_argument("--no-worker", action="store_true", help="do not start a worker")

    def _start_service(self) -> subprocess.Popen:
        from grader.engine.config import load_config
        from grader.engine.sandbox import sandbox_problem
        from grader.engine.sandbox.service import scrubbed_environment

        problem = None if load_config().allow_unsandboxed else sandbox_problem(load_config())
        if problem:
            self.stderr.write(
                self.style.ERROR(
                    f"Coding answers cannot be graded on this machine: {problem}. "
                    "They will wait in the queue until this is fixed and `make run` restarts."
                )
            )
        socket_path = str(settings.VAR_DIR / "grader.sock")
        env = scrubbed_environment()
        env["PYTHONPATH"] = str(settings.BASE_DIR)
        service = subprocess.Popen(
            [sys.executable, "-m", "grader", "serve", "--socket", socket_path],
            env=env,
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
        # The web server (sample runs) and the worker reach the sandbox only through it.
        os.environ["GRADER_SERVICE_SOCKET"] = socket_path
        self.stdout.write(f"Grading service started (pid {service.pid}, socket {socket_path})")
        return service

    def handle(self, *args, addr: str, no_worker: bool, **options):
        # SIGTERM (e.g. `kill`, or the terminal closing) must also stop the worker: turn it
        # into SystemExit so the `finally` below runs, as it does for Ctrl+C.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        service = worker = None
        try:
            service = self._start_service()
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
            call_command("runserver", addr, use_reloader=False)
        finally:
            _stop(worker)
            _stop(service)
