"""A real `celery -A assess worker` subprocess for the tests that need one, and the swap of
this process's Celery app to a Redis broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def celery_app_on(redis_url: str):
    """Point this process's Celery app at Redis; returns the function that restores it."""
    from assess.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options, app._pool)
    app.conf.broker_url = redis_url
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    app._pool, app.amqp._producer_pool = None, None

    def restore() -> None:
        app.conf.broker_url, app.conf.broker_transport_options, app._pool = saved
        app.amqp._producer_pool = None

    return restore


def database_url() -> str:
    """The test database, as a URL a worker subprocess can open."""
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """A `celery -A assess worker` subprocess on a queue of its own (`extra`: more
    arguments, e.g. `-B` to run the beat inside it)."""

    def __init__(self, env: dict, queue: str, log: Path, concurrency: int = 4, extra: tuple = ()):
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "assess",
                "worker",
                "-Q",
                queue,
                "--concurrency",
                str(concurrency),
                "--loglevel",
                "INFO",
                "-n",
                f"{queue}@%h",
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: no warm shutdown, nothing restored."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def wait_for(predicate, timeout: float, log: Path, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    pytest.fail(f"timed out waiting for {what}\n--- worker log ---\n{tail}")
