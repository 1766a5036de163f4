"""`make run` started by a normal user grades a coding answer: the sandbox needs no root.

The server runs as an unprivileged user (``GRADER_TEST_USER``, ``grader-test`` by default,
with a venv of the system Python in its home: ``.ci/sandbox-as-user`` creates both); the
browser, here, drives the demo test's coding question and runs its sample tests.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import missing_service

ROOT = Path(__file__).resolve().parents[2]
CORRECT = ROOT / "tests" / "grader" / "submissions" / "correct"
USER = os.environ.get("GRADER_TEST_USER", "grader-test")

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unprivileged_make_run():
    if os.geteuid() != 0:
        pytest.skip("needs root to start `make run` as another, unprivileged user")
    try:
        home = Path(pwd.getpwnam(USER).pw_dir)
    except KeyError:
        missing_service(f"no user {USER} (.ci/sandbox-as-user creates it)")
    venv = home / "venv"
    if not (venv / "bin" / "python").exists():
        missing_service(f"no venv in {venv} (.ci/sandbox-as-user creates it)")
    tree = Path(tempfile.mkdtemp(prefix="normassess-make-run-"))
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        target = tree / name.decode()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name.decode(), target)
    (venv / ".installed-run").touch()  # requirements are installed: no pip run here
    subprocess.run(["chown", "-R", USER, str(tree), str(venv / ".installed-run")], check=True)
    addr = f"127.0.0.1:{_free_port()}"
    server = subprocess.Popen(
        ["runuser", "-u", USER, "--", "env", "-i", "PATH=/usr/bin:/bin", f"HOME={home}"]
        + ["make", "run", f"VENV={venv}", f"ADDR={addr}"],
        cwd=tree,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    link, lines = None, []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line and server.poll() is not None:
            break
        lines.append(line)
        if "Take the demo test as a candidate:" in line:
            link = line.split("candidate:", 1)[1].strip()
        if link and "Open http://" in line:
            break
    assert link, "".join(lines[-40:])
    time.sleep(2)  # runserver binds just after printing its banner
    try:
        yield link, lines
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        shutil.rmtree(tree, ignore_errors=True)


def test_a_coding_answer_is_graded_with_make_run_started_by_a_normal_user(
    unprivileged_make_run, page, screenshot
):
    link, lines = unprivileged_make_run
    assert not [line for line in lines if "cannot be graded on this machine" in line]
    page.goto(link)
    page.check("#notice-confirm")  # the privacy notice, read
    page.click("button:has-text('Start the test')")
    for _ in range(20):  # to the coding question, wherever the demo puts it
        # The page's own editor element, not Ace's (its script may not have run yet: on a
        # busy machine the loop went past the coding question).
        if page.locator("#editor").count():
            break
        page.click("text=Next →")
        page.wait_for_load_state()
    page.wait_for_selector(".ace_editor")
    starter = page.locator(".ace_content").inner_text()
    function = re.search(r"def (\w+)\(", starter).group(1)
    solution = next(
        path.read_text()
        for path in sorted(CORRECT.glob("*.py"))
        if f"def {function}(" in path.read_text()
    )
    page.click("#editor")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(solution)
    page.wait_for_selector("#save-status:has-text('Saved at')")
    page.click("#run-samples")
    report = page.locator(".run-report")
    report.wait_for(timeout=120_000)
    screenshot("make-run-unprivileged-sample-tests")
    assert "all passed" in report.inner_text()
