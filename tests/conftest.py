"""Fixtures shared by the whole suite: real servers, bank folders, loaded banks."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.fixtures import (  # noqa: F401  (shared by every folder)
    announced_worker,
    coding_submission,
    emails_sent_at_once,
    embedded_broker,
    grading_services,
    pipeline,
)
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


@pytest.fixture
def smtp_receiver(settings):
    """A real SMTP server on loopback; Django's SMTP backend is pointed at it."""
    from tests.support.smtp import start_smtp_receiver

    receiver, controller = start_smtp_receiver()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = receiver.host, receiver.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield receiver
    controller.stop()


@pytest.fixture(scope="session")
def _test_erasure_log(tmp_path_factory):
    return str(tmp_path_factory.mktemp("privacy") / "erasure-log.jsonl")


@pytest.fixture(autouse=True)
def _private_erasure_log(settings, _test_erasure_log):
    """A test that erases a candidate (a page, the API, retention, a live server in this
    process) appends to the test session's erasure log, never to the installation's
    var/privacy/ (docs/privacy.md); tests that read the log set one of their own."""
    settings.PRIVACY_ERASURE_LOG = _test_erasure_log
