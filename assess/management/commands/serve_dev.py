"""Start the two grading services (hiring tests', practice's) and a Celery worker beside
Django's development server, and stop them on exit: the same separation as production (the
services run untrusted code and hold no secret; the worker and the web server hold the
secrets and run none)."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def _stop(processes: list[subprocess.Popen | None]) -> None:
    """SIGTERM to every process group at once, then SIGKILL to those still up after 10 s:
    one by one, the worker and the two grading services could take 30 s between them."""
    running = [p for p in processes if p is not None and p.poll() is None]
    for process in running:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# The two grading services `make run` starts: hiring tests' and anonymous practice's, each
# with its own socket under VAR_DIR and its own sandbox pool (docs/grader.md).
SERVICES = (
    ("GRADER_SERVICE_SOCKET", "grader.sock", "Grading service"),
    ("GRADER_PRACTICE_SERVICE_SOCKET", "grader-practice.sock", "Practice grading service"),
)


class Command(BaseCommand):
    help = "Run the development web server, the two grading services and a Celery worker together (what `make run` does)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to serve on")
        parser.add_argument("--no-worker", action="store_true", help="do not start a worker")
        parser.add_argument(
            "--worker-loglevel",
            default="WARNING",
            help="the Celery worker's log level (INFO logs every periodic task, every 15 s)",
        )

    def _say_if_host_cannot_sandbox(self) -> None:
        from grader.engine.config import load_config
        from grader.engine.sandbox import sandbox_problem

        problem = None if load_config().allow_unsandboxed else sandbox_problem(load_config())
        if problem:
            self.stderr.write(
                self.style.ERROR(
                    f"Coding answers cannot be graded on this machine: {problem}. "
                    "They will wait in the queue until this is fixed and `make run` restarts."
                )
            )

    def _start_service(self, socket_path: str, title: str) -> subprocess.Popen:
        from grader.engine.sandbox.service import scrubbed_environment

        env = scrubbed_environment()
        env["PYTHONPATH"] = str(settings.BASE_DIR)
        service = subprocess.Popen(
            [sys.executable, "-m", "grader", "serve", "--socket", socket_path],
            env=env,
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
        self.stdout.write(f"{title} started (pid {service.pid}, socket {socket_path})")
        return service

    def handle(self, *args, addr: str, no_worker: bool, worker_loglevel: str, **options):
        # Written into a file (`make run > run.log`), Python's output is block-buffered: the
        # URL banner would appear only at shutdown. One line at a time, as on a terminal.
        for stream in (sys.stdout, sys.stderr):
            if hasattr(stream, "reconfigure"):  # not a test's capture
                stream.reconfigure(line_buffering=True)
        # SIGTERM (e.g. `kill`, or the terminal closing) must also stop the worker: turn it
        # into SystemExit so the `finally` below runs, as it does for Ctrl+C.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        services: list[subprocess.Popen] = []
        worker = None
        try:
            self._say_if_host_cannot_sandbox()
            sockets = {name: str(settings.VAR_DIR / file) for name, file, _ in SERVICES}
            for name, _, title in SERVICES:
                services.append(self._start_service(sockets[name], title))
            # The web server (sample runs) and the worker reach the sandbox only through
            # them; set after both started, so neither service is told of the other.
            os.environ.update(sockets)
            if not no_worker:
                queues = dict.fromkeys(
                    ["cpu", settings.PRACTICE_CODE_QUEUE, settings.CELERY_PERIODIC_QUEUE]
                )
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
                        ",".join(queues),
                        "--concurrency",
                        "2",
                        "--loglevel",
                        worker_loglevel,
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
            _stop([worker, *services])
