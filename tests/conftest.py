"""Fixtures shared by the whole suite: real servers, bank folders, loaded banks."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.fixtures import pipeline  # noqa: F401  (the real worker fixture, for every folder)
from tests.support.optional import IN_CI

ROOT = Path(__file__).resolve().parent.parent


def missing_service(reason: str):
    """Outside CI a missing local server skips the test; in CI it is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI must provide it)")
    pytest.skip(reason)


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real Redis: REDIS_URL, else one on 127.0.0.1:6379, else a private redis-server."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    if _redis_answers(url):
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        missing_service("no Redis at REDIS_URL and no redis-server binary to start one")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while not _redis_answers(url):
        if time.monotonic() > deadline:
            proc.kill()
            missing_service("started redis-server but it did not answer")
        time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)
