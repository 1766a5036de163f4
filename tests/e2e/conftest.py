"""Browser tests: headless Debian chromium driven by Playwright, screenshots as artifacts."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import missing_service

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM
    # calls are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        missing_service("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="session")
def axe_scan():
    """`scan(page, name)`: axe-core's WCAG 2.1 A/AA and best-practice rules on the page as
    it is now; every violation goes to artifacts/axe-NAME.json, the serious and critical
    ones come back as 'rule: target' lines."""
    import json

    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def scan(page, name: str) -> list[str]:
        ARTIFACTS.mkdir(exist_ok=True)
        results = axe.run(
            page,
            options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
        )
        violations = results.response["violations"]
        summary = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "targets": [node["target"] for node in v["nodes"]],
            }
            for v in violations
        ]
        (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(summary, indent=1))
        return [
            f"{v['id']} ({v['impact']}): {node['target']}"
            for v in violations
            if v["impact"] in ("serious", "critical")
            for node in v["nodes"]
        ]

    return scan


@pytest.fixture(autouse=True)
def _server_quiet_before_flush(request):
    """After a browser test, wait until the live server's request threads have left their
    transactions before pytest-django TRUNCATEs the tables. Closing a browser context does
    not wait for the requests it had in flight (autosave, heartbeat), and a TRUNCATE that
    meets one of them holding row locks is a deadlock PostgreSQL resolves by failing the
    flush (CI saw it as "Database test_normassess couldn't be flushed", twice: once with no
    wait, once after a request that was still busy when a 20 s wait ran out). A request still
    in a transaction after the wait belongs to a test that has ended: its backend is ended,
    so the flush never meets it."""
    # Depend on the db helper so this teardown runs before its flush.
    request.getfixturevalue("_django_db_helper")
    yield
    from django.db import connection

    if connection.vendor != "postgresql" or not request.node.get_closest_marker("django_db"):
        return
    import time

    busy = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid()"
        " AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')"
    )
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while True:
            cursor.execute(busy)
            pids = [row[0] for row in cursor.fetchall()]
            if not pids:
                return
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        ended = time.monotonic() + 10
        while time.monotonic() < ended:
            cursor.execute(busy)
            if not cursor.fetchall():
                return
            time.sleep(0.05)


@pytest.fixture(scope="session")
def _collected_static():
    """The static files as the image ships them (`collectstatic`), which gunicorn with
    DJANGO_DEBUG=0 serves through WhiteNoise from STATIC_ROOT."""
    import subprocess
    import sys

    from django.conf import settings

    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        check=True,
        timeout=120,
    )


@pytest.fixture
def gunicorn_server(transactional_db, redis_url, tmp_path, _collected_static):
    """`start(**env) -> base URL`: the web app as production runs it (gunicorn, DJANGO_DEBUG=0,
    two workers) on the test database, with extra environment variables; stopped after the
    test. Plain HTTP on loopback: no TLS redirect (the proxy's job), no mail server."""
    import socket
    import subprocess
    import sys
    import time

    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        missing_service("gunicorn's workers need the test database on PostgreSQL (DATABASE_URL)")
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    servers = []

    def start(**env) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        environment = {
            "PATH": os.environ["PATH"],
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "gunicorn-e2e-only",
            "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "EMAIL_ALLOW_UNSENT": "1",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": redis_url,
            "NORMASSESS_VAR_DIR": str(tmp_path),
            **{name: str(value) for name, value in env.items()},
        }
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "assess.wsgi:application",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"gunicorn-{port}.log").open("w"),
        )
        servers.append(process)
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / f"gunicorn-{port}.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start listening"
                time.sleep(0.1)
        # localhost: a secure context for Chromium, so DJANGO_DEBUG=0's Secure cookies hold.
        return f"http://localhost:{port}"

    yield start
    for process in servers:
        process.terminate()
        process.wait(timeout=20)
