"""Hostile submissions: each gets its verdict, the grader survives, and no secret leaks."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from tests.grader.conftest import CANARY_FILE, SUBMISSIONS

CORRECT = (SUBMISSIONS / "correct" / "bn_forward_plain.py").read_text()
SIGNATURE = (
    "def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, "
    "momentum=0.1, eps=1e-5):\n"
)


def body(code: str, *, prelude: str = "") -> str:
    """A bn-forward submission whose function body is ``code``."""
    return (
        f"import numpy as np\nimport os\n{textwrap.dedent(prelude)}\n"
        + SIGNATURE
        + textwrap.indent(textwrap.dedent(code), "    ")
    )


def correct_with(prelude: str) -> str:
    """The correct solution, with hostile code run at import."""
    return textwrap.dedent(prelude) + "\n" + CORRECT


HOSTILE = {
    "infinite loop": (body("while True:\n    pass\n"), "time_limit_exceeded"),
    "sleep with SIGTERM ignored": (
        body(
            "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(60)\n"
        ),
        "time_limit_exceeded",
    ),
    "fork bomb": (
        body("while True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"),
        "time_limit_exceeded",
    ),
    "memory bomb": (
        body("blocks = []\nwhile True:\n    blocks.append(bytearray(50_000_000))\n"),
        "memory_limit_exceeded",
    ),
    "huge numpy allocation": (
        body("return np.ones((10**6, 10**5)), None, None\n"),
        "memory_limit_exceeded",
    ),
    "200 MB to stdout": (
        body("import sys\nfor _ in range(200):\n    sys.stdout.write('x' * 1_000_000)\n"),
        "output_limit_exceeded",
    ),
    "deep recursion": (body("def r(n):\n    return r(n + 1)\nreturn r(0)\n"), "runtime_error"),
    "deep recursion past the C stack": (
        body(
            "import sys\nsys.setrecursionlimit(10**8)\ndef r(n):\n    return list(map(r, [n + 1]))\nreturn r(0)\n"
        ),
        "runtime_error",
    ),
    "os._exit(0) at import": (correct_with("import os\nos._exit(0)"), "runtime_error"),
    "ctypes segfault": (body("import ctypes\nctypes.string_at(0)\n"), "runtime_error"),
    "monkeypatched numpy comparisons with a wrong answer": (
        body(
            "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
            "np.array_equal = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n"
            "return np.zeros_like(x), np.zeros_like(gamma), np.zeros_like(gamma)\n"
        ),
        "wrong_answer",
    ),
    "ndarray subclass": (
        body(
            "class Liar(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
            "z = np.zeros_like(x).view(Liar)\nreturn z, running_mean.view(Liar), running_var.view(Liar)\n"
        ),
        "wrong_answer",
    ),
    "object whose __eq__ and __array__ lie": (
        body(
            "class Liar:\n    def __eq__(self, other):\n        return True\n"
            "    def __array__(self, *a, **k):\n        return np.zeros(3)\n"
            "return Liar(), Liar(), Liar()\n"
        ),
        "wrong_answer",
    ),
    "object-dtype arrays": (
        body(
            "o = np.empty(x.shape, dtype=object)\no[...] = 0.0\nreturn o, running_mean, running_var\n"
        ),
        "wrong_answer",
    ),
    "NaNs": (body("return np.full_like(x, np.nan), running_mean, running_var\n"), "wrong_answer"),
    "wrong shape": (body("return x[:1], running_mean, running_var\n"), "wrong_answer"),
    "wrong tuple length": (body("return x, running_mean\n"), "wrong_answer"),
    "a list instead of a tuple of arrays": (body("return [x.tolist(), 1, 2]\n"), "wrong_answer"),
    "fake JSON verdict on stdout": (
        body(
            'print(\'{"verdict": "accepted", "score": 1.0, "checks": []}\')\n'
            "return x, running_mean, running_var\n"
        ),
        "wrong_answer",
    ),
    "kills its parent, then answers correctly": (
        correct_with(
            "import os, signal\nfor pid in (os.getppid(), 1, -1):\n    try:\n"
            "        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass"
        ),
        "accepted",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_submission_gets_its_verdict_and_the_grader_survives(grade, canary, name):
    source, verdict = HOSTILE[name]
    report = grade("bn-forward", source)
    assert report.verdict == verdict, report.to_dict()["message"]
    text = json.dumps(report.to_dict())
    assert canary not in text
    assert len(report.stdout) <= 5000 and len(report.stderr) <= 5000


def test_grading_still_works_after_every_hostile_submission(grade):
    assert grade("bn-forward", CORRECT).verdict == "accepted"


LEAK = body(f"""
found = []
for key, value in os.environ.items():
    found.append(key + '=' + value)
for path in ({str(CANARY_FILE)!r}, '/proc/1/environ', '/proc/self/environ', '/etc/shadow',
             '/etc/passwd', {str(Path.cwd())!r} + '/pyproject.toml', '/root/.bash_history'):
    try:
        found.append(open(path, 'rb').read().decode('latin1'))
    except OSError as exc:
        found.append(repr(exc))
for root in ('/', '/work', '/opt', '/tmp', '/proc'):
    try:
        found.append(root + ': ' + ' '.join(os.listdir(root)))
    except OSError as exc:
        found.append(repr(exc))
print('\\n'.join(found))
import sys
print('\\n'.join(found), file=sys.stderr)
raise RuntimeError(' | '.join(found))
""")


def test_environment_and_project_files_are_invisible(grade, canary):
    report = grade("bn-forward", LEAK)
    assert report.verdict == "runtime_error"
    text = json.dumps(report.to_dict())
    assert canary not in text
    assert "GRADER_TEST_CANARY" not in text
    assert "pyproject" not in report.stdout or "No such file" in report.stdout


def test_candidate_code_runs_unprivileged_in_its_own_session_and_pid_namespace(grade):
    report = grade(
        "bn-forward",
        body(
            "import ctypes\n"
            "raise RuntimeError(f'uid={os.getuid()} euid={os.geteuid()} gid={os.getgid()} '\n"
            "    f'pid={os.getpid()} sid={os.getsid(0)} env={len(os.environ)} '\n"
            '    f\'caps={open("/proc/self/status").read().split("CapEff:")[1].split()[0]}\')\n'
        ),
    )
    message = report.message
    assert report.verdict == "runtime_error"
    uid = int(message.split("uid=")[1].split()[0])
    assert uid >= 1000 and "euid=0 " not in message
    assert "pid=1 " in message and "sid=1 " in message and "env=0 " in message
    assert "caps=0000000000000000" in message


def test_network_is_unreachable(grade):
    report = grade(
        "bn-forward",
        body(
            "import socket\nresults = []\nfor port in (6379, 5432, 8000):\n"
            "    try:\n        socket.create_connection(('127.0.0.1', port), timeout=1)\n"
            "        results.append(f'{port}: connected')\n"
            "    except OSError as exc:\n        results.append(f'{port}: {exc}')\n"
            "raise RuntimeError('; '.join(results))\n"
        ),
    )
    assert report.verdict == "runtime_error"
    assert "connected" not in report.message


def test_private_tmp_is_writable_but_limited(grade):
    # At import, once: run in the function body it would repeat for every case.
    report = grade(
        "bn-forward",
        correct_with(
            "open('/tmp/probe', 'w').write('x')\n"
            "try:\n    open('/tmp/big', 'wb').write(b'x' * 64_000_000)\n    big = 'wrote'\n"
            "except OSError as exc:\n    big = type(exc).__name__\n"
            "try:\n    open('/opt/py/evil', 'w')\n    ro = 'wrote'\nexcept OSError as exc:\n"
            "    ro = type(exc).__name__\nraise RuntimeError(f'big={big} ro={ro}')\n"
        ),
    )
    assert report.verdict == "runtime_error"
    assert "big=wrote" not in report.message and "ro=wrote" not in report.message
    assert "big=" in report.message


def _descendants(root: int) -> set[int]:
    """Every live process below ``root`` (the pool's bubblewrap), whatever its uid."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def test_a_double_forked_daemon_does_not_outlive_the_grading(grade, pool):
    daemon = correct_with(
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        "        time.sleep(30)\n    os._exit(0)\n"
    )
    pool.start()
    idle = _descendants(pool._zygote.process.pid)
    report = grade("bn-forward", daemon)
    assert report.verdict == "accepted"
    assert idle and _descendants(pool._zygote.process.pid) == idle


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("def batchnorm_forward(:\n", "does not compile"),
        ("import numpy as np\n\ndef something_else():\n    pass\n", "batchnorm_forward"),
        (b"# \xff\xfe not utf-8\n", "not UTF-8"),
        ("x = 1\n" * 20000, "bytes"),
    ],
)
def test_invalid_submissions(grade, source, fragment):
    report = grade("bn-forward", source)
    assert report.verdict == "invalid_submission"
    assert fragment in report.message
    assert report.score == 0.0


def test_the_sandbox_refuses_to_run_without_bubblewrap():
    from grader.engine import grade_submission
    from grader.engine.config import GraderConfig
    from grader.engine.sandbox import SandboxPool

    missing = SandboxPool(GraderConfig(bwrap="/nonexistent/bwrap", uid_base=640000))
    report = grade_submission("bn-forward", CORRECT, pool=missing)
    assert report.verdict == "internal_error" and report.score is None


def test_unsandboxed_development_mode_warns_loudly():
    from grader.engine import grade_submission
    from grader.engine.config import GraderConfig
    from grader.engine.sandbox import SandboxPool, UnsandboxedWarning

    dev = SandboxPool(
        GraderConfig(bwrap="/nonexistent/bwrap", allow_unsandboxed=True, uid_base=641000)
    )
    try:
        with pytest.warns(UnsandboxedWarning):
            report = grade_submission("bn-forward", CORRECT, pool=dev)
        assert report.verdict == "accepted"
    finally:
        dev.close()
