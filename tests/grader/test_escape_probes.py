"""Escape probes: each is a coding answer that tries one of the usual routes from a kernel
bug to the host, run as a submission like any other, and each is refused.

A probe records what the kernel answered (an errno name, or what it read) and raises it
as its error, so the report's message carries it; the grader itself is not asked.
"""

from __future__ import annotations

import json
import platform
import textwrap
import threading

import pytest

from tests.grader.test_sandbox_security import CORRECT

pytestmark = pytest.mark.skipif(
    platform.machine() != "x86_64", reason="the probes use x86_64 syscall numbers"
)

PRELUDE = """
import ctypes, errno, json, os, socket
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
found = {}

def call(name, number, *args):
    result = libc.syscall(number, *[ctypes.c_long(a) if isinstance(a, int) else a for a in args])
    found[name] = 'ok' if result >= 0 else errno.errorcode[ctypes.get_errno()]
    return result
"""


def probe(grade, code: str) -> dict:
    """Run ``code`` (after PRELUDE) as a bn-forward answer, once, at import; what it put
    in ``found``."""
    source = PRELUDE + textwrap.dedent(code) + "\nraise RuntimeError('PROBE' + json.dumps(found))\n"
    report = grade("bn-forward", source)
    assert report.verdict == "runtime_error", report.to_dict()
    assert "PROBE" in report.message, report.message
    return json.loads(report.message.split("PROBE", 1)[1].split("\n")[0].rstrip("'\""))


def test_a_job_cannot_create_a_user_namespace(grade):
    found = probe(
        grade,
        """
        found['unshare'] = 'ok' if libc.unshare(0x10000000) == 0 else errno.errorcode[ctypes.get_errno()]
        call('clone(CLONE_NEWUSER)', 56, 0x10000000 | 17, 0, 0, 0, 0)
        call('clone3', 435, 0, 0)
        found['max_user_namespaces'] = open('/proc/sys/user/max_user_namespaces').read().strip()
        """,
    )
    assert found["unshare"] == "EPERM"
    assert found["clone(CLONE_NEWUSER)"] == "EPERM"
    assert found["clone3"] == "ENOSYS"  # the C library falls back to clone(2), which is checked
    assert found["max_user_namespaces"] == "0"


def test_a_job_cannot_mount_anything(grade):
    found = probe(
        grade,
        """
        result = libc.mount(b'tmpfs', b'/tmp', b'tmpfs', ctypes.c_ulong(0), None)
        found['mount'] = 'ok' if result == 0 else errno.errorcode[ctypes.get_errno()]
        result = libc.umount2(b'/proc/loadavg', 2)
        found['umount2'] = 'ok' if result == 0 else errno.errorcode[ctypes.get_errno()]
        call('fsopen', 430, 0, 0)
        call('open_tree', 428, -100, 0, 0)
        call('pivot_root', 155, 0, 0)
        """,
    )
    assert found["mount"] == "EPERM" and found["umount2"] == "EPERM"
    assert found["fsopen"] == "ENOSYS" and found["open_tree"] == "ENOSYS"
    assert found["pivot_root"] == "EPERM"


@pytest.mark.parametrize(
    ("name", "call", "refusal"),
    [
        ("io_uring_setup", "call('io_uring_setup', 425, 8, 0)", "EPERM"),
        ("userfaultfd", "call('userfaultfd', 323, 0)", "EPERM"),
        ("bpf", "call('bpf', 321, 0, 0, 0)", "EPERM"),  # BPF_MAP_CREATE
        ("keyctl", "call('keyctl', 250, 0, -3, 0)", "EPERM"),  # GET_KEYRING_ID, session
        ("add_key", "call('add_key', 248, 0, 0, 0, 0, -3)", "EPERM"),
        ("request_key", "call('request_key', 249, 0, 0, 0, 0)", "EPERM"),
        ("perf_event_open", "call('perf_event_open', 298, 0, 0, -1, -1, 0)", "EPERM"),
        ("ptrace", "call('ptrace', 101, 0, 0, 0, 0)", "EPERM"),  # PTRACE_TRACEME
        ("personality", "call('personality', 135, 0x0400000)", "EPERM"),  # READ_IMPLIES_EXEC
        ("process_vm_readv", "call('process_vm_readv', 310, 1, 0, 0, 0, 0, 0)", "EPERM"),
        ("setns", "call('setns', 308, 0, 0)", "EPERM"),
        ("ioctl(TIOCSTI)", "call('ioctl(TIOCSTI)', 16, 0, 0x5412, 0)", "EPERM"),
    ],
)
def test_a_dangerous_syscall_is_refused(grade, name, call, refusal):
    assert probe(grade, call)[name] == refusal


def test_only_local_sockets_can_be_opened(grade):
    found = probe(
        grade,
        """
        for label, family, kind, proto in [
            ('netlink netfilter', 16, socket.SOCK_RAW, 12),
            ('netlink route', 16, socket.SOCK_RAW, 0),
            ('packet', 17, socket.SOCK_RAW, 0),
            ('inet', socket.AF_INET, socket.SOCK_STREAM, 0),
            ('inet6', socket.AF_INET6, socket.SOCK_DGRAM, 0),
            ('vsock', 40, socket.SOCK_STREAM, 0),
            ('unix', socket.AF_UNIX, socket.SOCK_STREAM, 0),
        ]:
            try:
                socket.socket(family, kind, proto).close()
                found[label] = 'ok'
            except OSError as exc:
                found[label] = errno.errorcode[exc.errno]
        """,
    )
    assert found.pop("unix") == "ok"
    assert found == dict.fromkeys(found, "EAFNOSUPPORT") and len(found) == 6


def test_host_wide_proc_files_are_masked(grade):
    found = probe(
        grade,
        """
        for name in ('loadavg', 'stat', 'meminfo', 'vmstat', 'uptime', 'keys', 'sched_debug'):
            try:
                found[name] = open('/proc/' + name).read()
            except OSError as exc:
                found[name] = errno.errorcode[exc.errno]
        found['pressure'] = os.listdir('/proc/pressure') if os.path.isdir('/proc/pressure') else []
        found['pids'] = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
        found['own status'] = 'Seccomp:\\t2' in open('/proc/self/status').read()
        """,
    )
    for name in ("loadavg", "stat", "meminfo", "vmstat", "uptime", "keys", "sched_debug"):
        assert found[name] in ("", "ENOENT"), (name, found[name][:200])
    assert found["pressure"] == []
    assert found["pids"] == [1]  # its own PID namespace: nothing else is running there
    assert found["own status"] is True  # a job's own /proc still works


def test_nothing_put_in_a_keyring_reaches_the_next_submission(grade):
    first = probe(
        grade,
        "call('add_key', 248, ctypes.c_char_p(b'user'), ctypes.c_char_p(b'carry'), "
        "ctypes.c_char_p(b'secret'), 6, -4)  # KEY_SPEC_USER_KEYRING",
    )
    second = probe(
        grade,
        """
        call('request_key', 249, ctypes.c_char_p(b'user'), ctypes.c_char_p(b'carry'), 0, 0)
        found['proc keys'] = open('/proc/keys').read()
        """,
    )
    assert first["add_key"] == "EPERM"
    assert second["request_key"] == "EPERM"
    assert "carry" not in second["proc keys"]


def test_two_concurrent_jobs_neither_share_a_uid_nor_reach_each_other(grade):
    # The first job answers correctly after a pause; the second, running meanwhile, tries
    # to kill every process it can signal and to find the first one.
    patient = CORRECT.replace(
        "import numpy as np",
        "import numpy as np\nimport os, time\nprint('uid', os.getuid())\ntime.sleep(1.0)",
        1,
    )
    hostile = """
        import signal, time
        time.sleep(0.3)
        found['uid'] = os.getuid()
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError as exc:
            found['kill -1'] = errno.errorcode[exc.errno]
        found['pids'] = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
        found['tmp'] = os.listdir('/tmp')
        """
    reports: dict = {}

    def run_patient():
        reports["patient"] = grade("bn-forward", patient)

    thread = threading.Thread(target=run_patient)
    thread.start()
    found = probe(grade, hostile)
    thread.join()
    assert reports["patient"].verdict == "accepted"
    assert found["pids"] == [1] and found["tmp"] == []
    assert reports["patient"].stdout.startswith("uid ")
    assert int(reports["patient"].stdout.split()[1]) != found["uid"]
    later = probe(grade, "found['uid'] = os.getuid()")
    assert later["uid"] != found["uid"]  # a fresh uid per job, never the previous one


def test_two_worker_processes_never_hand_out_the_same_uids(tmp_path):
    # Each process claims a block of uids with a lock held for its life; a second process
    # on the same host gets the next block, and a block comes free when its holder exits.
    import subprocess
    import sys

    claim = (
        "import sys, time\n"
        "from grader.engine.sandbox.limits import UidLeases\n"
        f"leases = UidLeases(700000, 1024, {str(tmp_path)!r}, host_wide=True)\n"
        "print(leases.acquire(), flush=True)\n"
        "sys.stdin.read()\n"
    )
    first = subprocess.Popen(
        [sys.executable, "-c", claim], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    second = subprocess.Popen(
        [sys.executable, "-c", claim], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    uids = [int(first.stdout.readline()), int(second.stdout.readline())]
    first.communicate("")
    third = subprocess.run(
        [sys.executable, "-c", claim], input="", capture_output=True, text=True, check=True
    )
    second.communicate("")
    assert sorted(uids) == [700000, 700256]
    assert int(third.stdout) == uids[0]  # the first holder's block, free again


def test_the_uid_lock_directory_must_be_the_services_own(tmp_path):
    # Another local user's symlink or a shared, writable directory is refused, not followed.
    from grader.engine.sandbox.limits import UidLeases
    from grader.engine.sandbox.protocol import SandboxUnavailable

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").symlink_to(elsewhere)
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    for folder in (tmp_path / "link", shared):
        with pytest.raises(SandboxUnavailable, match="uid lock directory"):
            UidLeases(700000, 1024, str(folder), host_wide=True).acquire()
    assert list(elsewhere.iterdir()) == [] and list(shared.iterdir()) == []
    own = tmp_path / "own"
    assert UidLeases(700000, 1024, str(own), host_wide=True).acquire() == 700000
    assert [p.name for p in own.iterdir()] == ["uids-700000.lock"]
    assert own.stat().st_mode & 0o777 == 0o700


def test_unprivileged_leases_make_no_lock_file(tmp_path):
    from grader.engine.sandbox.limits import UidLeases

    leases = UidLeases(700000, 1024, str(tmp_path / "locks"), host_wide=False)
    assert [leases.acquire(), leases.acquire()] == [700000, 700001]
    assert not (tmp_path / "locks").exists()
