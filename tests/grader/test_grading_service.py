"""The grading service: candidates' code runs in a process without secrets, reached by the
worker over a Unix socket, with the same verdicts as a local sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.engine import grade_submission
from grader.engine.config import GraderConfig
from grader.engine.sandbox import SandboxUnavailable
from grader.engine.sandbox.client import ServicePool
from grader.engine.sandbox.service import scrubbed_environment, secrets_in_environment
from tests.grader.test_sandbox_security import CORRECT, body
from tests.support.grading_service import running_service

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """A real `python -m grader serve`, started as a launcher would: scrubbed environment."""
    socket_path = str(tmp_path_factory.mktemp("service") / "grader.sock")
    with running_service(socket_path):
        yield ServicePool(GraderConfig(service_socket=socket_path))


def test_a_launcher_passes_the_service_no_secret():
    env = scrubbed_environment(
        {
            "PATH": "/usr/bin",
            "DJANGO_SECRET_KEY": "k",
            "DATABASE_URL": "postgres://u:pw@db/x",
            "CELERY_BROKER_URL": "redis://:pw@redis/0",
            "GRADER_POOL_SIZE": "2",
        }
    )
    assert env == {"PATH": "/usr/bin", "GRADER_POOL_SIZE": "2"}
    assert secrets_in_environment(env) == []


@pytest.mark.parametrize(
    "name",
    # The deny list of old let the middle four through; the last is a name nobody listed.
    [
        "DATABASE_URL",
        "CACHE_URL",
        "CELERY_RESULT_BACKEND",
        "METRICS_TOKEN",
        "POSTGRES_PASSWORD",
        "ACME_API_KEY",
    ],
)
def test_the_service_refuses_to_start_with_anything_outside_its_allow_list(tmp_path, name):
    result = subprocess.run(
        [sys.executable, "-m", "grader", "serve", "--socket", str(tmp_path / "s.sock")],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], name: "redis://u:pw@db/x"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert name in result.stderr and "pw" not in result.stderr
    assert not (tmp_path / "s.sock").exists()


def test_answers_graded_through_the_service_get_their_verdicts(service):
    assert service.status()["sandbox_problem"] is None
    assert grade_submission("bn-forward", CORRECT, pool=service).verdict == "accepted"
    wrong = body("return x * 0, running_mean, running_var\n")
    assert grade_submission("bn-forward", wrong, pool=service).verdict == "wrong_answer"
    loop = body("while True:\n    pass\n")
    assert grade_submission("bn-forward", loop, pool=service).verdict == "time_limit_exceeded"


def test_the_service_holds_no_secret_a_breakout_could_read(service):
    # The sandboxed job sees nothing of any environment; the service's own has no secret.
    with open(f"/proc/{_service_pid(service)}/environ", "rb") as environ:
        names = [item.split(b"=", 1)[0].decode() for item in environ.read().split(b"\0") if item]
    assert "DJANGO_SECRET_KEY" not in names and "DATABASE_URL" not in names


def _service_pid(service: ServicePool) -> int:
    import socket
    import struct

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(service.socket_path)
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[0]


def test_an_unreachable_service_is_unavailable_not_a_verdict(tmp_path):
    gone = ServicePool(GraderConfig(service_socket=str(tmp_path / "nobody.sock")))
    with pytest.raises(SandboxUnavailable, match="grader serve"):
        gone.start()
    report = grade_submission("bn-forward", CORRECT, pool=gone)
    assert report.verdict == "internal_error" and report.score is None


def test_a_host_without_bubblewrap_is_told_the_fix_in_one_line():
    result = subprocess.run(
        [sys.executable, "-m", "grader", "check"],
        cwd=ROOT,
        env={**os.environ, "GRADER_BWRAP": "/nonexistent/bwrap"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout.count("\n") == 1 and "apt install bubblewrap" in result.stdout


def test_a_host_refusing_user_namespaces_is_told_why(tmp_path):
    from grader.engine.sandbox import sandbox_problem

    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    problem = sandbox_problem(GraderConfig(bwrap=str(fake)))
    assert "\n" not in problem
    assert "No permissions to create new namespace" in problem or "sysctl" in problem


def test_a_worker_that_cannot_sandbox_stops_taking_grading_work(capsys):
    from grader import worker

    class Consumer:
        cancelled: list[str] = []

        def cancel_task_queue(self, queue):
            self.cancelled.append(queue)

    consumer = Consumer()
    worker._hold_grading(consumer, ["cpu", "celery"], "bubblewrap is not installed")
    assert consumer.cancelled == ["cpu"]  # the grading queue only
    line = capsys.readouterr().err.strip()
    assert "\n" not in line and "Submissions stay queued" in line
