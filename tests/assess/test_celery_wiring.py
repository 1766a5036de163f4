"""The Celery app runs a real worker: on the embedded filesystem broker and on Redis."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PING = (
    "import django; django.setup(); from assess.tasks import ping; "
    "print(ping.apply_async(queue='cpu').get(timeout=60)['pong'])"
)


def _run_worker_and_ping(env: dict) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_"))}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "assess.settings", **env}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "assess",
            "worker",
            "-Q",
            "cpu",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "-n",
            "wiring-test@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", PING],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout.strip()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.mark.slow
def test_embedded_default_runs_a_real_worker_without_any_server(tmp_path):
    assert _run_worker_and_ping({"NORMASSESS_VAR_DIR": str(tmp_path)}) == "True"
    assert (tmp_path / "celery" / "out").is_dir()


@pytest.mark.slow
def test_with_redis_set_the_worker_uses_redis(tmp_path, redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete("cpu")
    out = _run_worker_and_ping(
        {"CELERY_BROKER_URL": redis_url, "NORMASSESS_VAR_DIR": str(tmp_path)}
    )
    assert out == "True"
    # The embedded broker's folder is not even created when Redis is the broker.
    assert not (tmp_path / "celery").exists()
