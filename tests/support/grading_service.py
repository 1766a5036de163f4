"""A real `python -m grader serve` subprocess, started as a launcher starts it: the scrubbed
environment, with secrets planted in the parent's so that a leak would show."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grader.engine.sandbox.service import scrubbed_environment

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def running_service(socket_path: str, **grader_settings: str) -> Iterator[subprocess.Popen]:
    """Serve on ``socket_path`` until the block ends; ``grader_settings``: GRADER_* values."""
    env = scrubbed_environment(
        {
            **os.environ,
            "DJANGO_SECRET_KEY": "not-for-the-service",
            "DATABASE_URL": "postgres://u:pw@db/x",
            "GRADER_POOL_SIZE": "2",
            "GRADER_WALL_SECONDS": "3",
            **grader_settings,
            "PYTHONPATH": str(ROOT),
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "serve", "--socket", socket_path],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(socket_path):
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)
