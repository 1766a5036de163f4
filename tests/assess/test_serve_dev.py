"""`make run`'s launcher: the two grading services (hiring's, practice's) run without
secrets, the worker reaches each on its own socket, and stopping the launcher stops them and
the Celery worker."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.engine.config import GraderConfig
from grader.engine.sandbox import SandboxUnavailable
from grader.engine.sandbox.client import ServicePool

ROOT = Path(__file__).resolve().parents[2]
# What serve_dev prints for each grading service: the worker's variable, the socket's name.
SERVICES = {
    "Grading service": ("GRADER_SERVICE_SOCKET", "grader.sock"),
    "Practice grading service": ("GRADER_PRACTICE_SERVICE_SOCKET", "grader-practice.sock"),
}


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
        # As from a terminal: Ctrl+C is never ignored there, even if this test runner was
        # started in the background of a script (which ignores SIGINT for its children).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    worker_pid = None
    services: dict[str, int] = {}  # title -> pid
    deadline = time.monotonic() + 60
    while worker_pid is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        for title in SERVICES:
            if line.startswith(f"{title} started (pid"):
                services[title] = int(line.split("(pid ")[1].split(",")[0])
        if "Celery worker started (pid" in line:
            worker_pid = int(line.split("(pid ")[1].split(",")[0])
    assert worker_pid is not None and _alive(worker_pid)
    assert set(services) == set(SERVICES) and len(set(services.values())) == 2
    for service_pid in services.values():
        assert _alive(service_pid)
        service_env = Path(f"/proc/{service_pid}/environ").read_bytes()
        assert b"serve-dev-test-secret" not in service_env and b"DATABASE_URL" not in service_env
        assert b"SERVICE_SOCKET" not in service_env
    # The worker sends hiring grades and practice code to the service on each socket.
    worker_env = Path(f"/proc/{worker_pid}/environ").read_bytes().split(b"\0")
    for title, (variable, socket_name) in SERVICES.items():
        socket_path = tmp_path / socket_name
        assert f"{variable}={socket_path}".encode() in worker_env
        pool = ServicePool(GraderConfig(), socket_path=str(socket_path))
        assert _status_when_up(pool)["pid"] == services[title]
    time.sleep(2)
    proc.send_signal(stop)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 20
    pids = [worker_pid, *services.values()]
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in pids)


def _status_when_up(pool: ServicePool) -> dict:
    deadline = time.monotonic() + 30
    while True:
        try:
            return pool.status(refresh=True)
        except SandboxUnavailable:
            assert time.monotonic() < deadline, f"nothing answers on {pool.socket_path}"
            time.sleep(0.2)


@pytest.mark.slow
def test_the_url_banner_reaches_a_file_at_once_and_the_worker_stays_quiet(tmp_path):
    """`make run > run.log`: the URL is in the file while the server runs (not only at
    shutdown), and the worker's periodic tasks do not log a line every few seconds."""
    env = {
        k: v
        for k, v in os.environ.items()
        # A newcomer's shell: no PYTHONUNBUFFERED, so output to a file is block-buffered.
        if not k.startswith(("CELERY_", "DATABASE_", "PYTHONUNBUFFERED"))
    }
    env.update(
        NORMASSESS_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_SECRET_KEY="serve-dev-test-secret",
        GRADER_SWEEP_SECONDS="2",  # the periodic sweep runs often: it would log each time
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    port = _free_port()
    log = tmp_path / "run.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve_dev", "--addr", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while f"Open http://127.0.0.1:{port}/" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"no URL banner in the file:\n{log.read_text()}"
            time.sleep(0.5)
        banner_at = len(log.read_text())
        time.sleep(12)  # several sweeps
        after = log.read_text()[banner_at:]
        assert "INFO/" not in after and "succeeded in" not in after, after
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
