"""`make run`'s launcher: the grading service runs without secrets, and stopping the launcher
stops it and the Celery worker."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_stopping_serve_dev_stops_its_worker(tmp_path, stop):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_"))}
    env.update(
        NORMASSESS_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_SECRET_KEY="serve-dev-test-secret",
    )
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "serve_dev", "--addr", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    worker_pid = service_pid = None
    deadline = time.monotonic() + 60
    while worker_pid is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "Grading service started (pid" in line:
            service_pid = int(line.split("(pid ")[1].split(",")[0])
        if "Celery worker started (pid" in line:
            worker_pid = int(line.split("(pid ")[1].split(",")[0])
    assert worker_pid is not None and _alive(worker_pid)
    assert service_pid is not None and _alive(service_pid)
    service_env = Path(f"/proc/{service_pid}/environ").read_bytes()
    assert b"serve-dev-test-secret" not in service_env and b"DATABASE_URL" not in service_env
    assert b"GRADER_SERVICE_SOCKET" not in service_env
    time.sleep(2)
    proc.send_signal(stop)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 20
    while (_alive(worker_pid) or _alive(service_pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(worker_pid) and not _alive(service_pid)
