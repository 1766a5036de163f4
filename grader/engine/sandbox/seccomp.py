"""The seccomp filters of the sandbox, compiled to BPF with libseccomp (outside the sandbox).

Modelled on Flatpak's ``setup_seccomp`` (common/flatpak-run.c): a deny list on top of
the namespaces, so that the usual routes from a kernel bug to the host (new namespaces,
mounts, the keyring, ptrace, perf, eBPF, io_uring, userfaultfd, netlink and packet
sockets) are closed before the candidate's first instruction. Two programs come out:

* the **zygote filter**, installed by bubblewrap (``--seccomp FD``) on the warm zygote and
  everything it forks: everything below except ``unshare`` and ``mount``, which the
  zygote needs to give each job its own user, mount, PID, network, IPC and UTS
  namespaces and its private /tmp and /proc;
* the **job filter**, stacked on it by each job process just before the candidate's code
  runs: the whole list, namespaces and mounts included.

libseccomp is called through ctypes: the official Python binding is not on PyPI (Debian
ships it for the system interpreter only), and the library itself (``libseccomp2``) is in
every Debian and Ubuntu base image because apt and systemd link against it. libseccomp
takes care of what a hand-written BPF program gets wrong: syscall numbers per
architecture, and killing foreign-ABI (i386, x32) syscalls that would bypass the list.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
import socket
import tempfile
from dataclasses import dataclass

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_NE, SCMP_CMP_MASKED_EQ = 1, 7
CLONE_NEWUSER = 0x10000000
# The namespace flags of clone(2): mount, cgroup, UTS, IPC, user, PID, network. CLONE_NEWUSER
# alone is what Flatpak refuses; the job filter refuses each of them (a job never needs a
# namespace of its own making).
CLONE_NAMESPACES = (0x00020000, 0x02000000, 0x04000000, 0x08000000, CLONE_NEWUSER, 0x20000000)
CLONE_NAMESPACES += (0x40000000,)
TIOCSTI, TIOCLINUX = 0x5412, 0x541C
PER_LINUX = 0

# (syscall, errno): refused outright, in both filters.
DENIED = (
    # Flatpak's list: the kernel log, obsolete or host-wide administration calls.
    ("syslog", errno.EPERM),
    ("uselib", errno.EPERM),
    ("acct", errno.EPERM),
    ("quotactl", errno.EPERM),
    ("modify_ldt", errno.EPERM),
    # The kernel keyring: nothing a job adds may outlive it or reach the next one.
    ("add_key", errno.EPERM),
    ("keyctl", errno.EPERM),
    ("request_key", errno.EPERM),
    # NUMA and page migration.
    ("move_pages", errno.EPERM),
    ("mbind", errno.EPERM),
    ("get_mempolicy", errno.EPERM),
    ("set_mempolicy", errno.EPERM),
    ("migrate_pages", errno.EPERM),
    # Flatpak's "non-devel" list.
    ("perf_event_open", errno.EPERM),
    ("ptrace", errno.EPERM),
    # Inspecting or writing another process's memory, or its descriptors.
    ("process_vm_readv", errno.EPERM),
    ("process_vm_writev", errno.EPERM),
    ("kcmp", errno.EPERM),
    ("pidfd_getfd", errno.EPERM),
    # The big attack surfaces of recent years.
    ("bpf", errno.EPERM),
    ("userfaultfd", errno.EPERM),
    ("io_uring_setup", errno.EPERM),
    ("io_uring_enter", errno.EPERM),
    ("io_uring_register", errno.EPERM),
    ("fanotify_init", errno.EPERM),
    ("open_by_handle_at", errno.EPERM),
    ("name_to_handle_at", errno.EPERM),
    # Host administration (capabilities are gone already; refuse the calls as well).
    ("kexec_load", errno.EPERM),
    ("kexec_file_load", errno.EPERM),
    ("init_module", errno.EPERM),
    ("finit_module", errno.EPERM),
    ("delete_module", errno.EPERM),
    ("reboot", errno.EPERM),
    ("swapon", errno.EPERM),
    ("swapoff", errno.EPERM),
    ("iopl", errno.EPERM),
    ("ioperm", errno.EPERM),
    # clone3 hides its flags in memory seccomp cannot read: ENOSYS makes the C library
    # fall back to clone(2), whose flags the filter does see. The new mount API likewise.
    ("clone3", errno.ENOSYS),
    ("open_tree", errno.ENOSYS),
    ("move_mount", errno.ENOSYS),
    ("fsopen", errno.ENOSYS),
    ("fsconfig", errno.ENOSYS),
    ("fsmount", errno.ENOSYS),
    ("fspick", errno.ENOSYS),
    ("mount_setattr", errno.ENOSYS),
)
# What the zygote itself does per job (the job filter refuses these too).
JOB_ONLY_DENIED = (
    ("unshare", errno.EPERM),
    ("mount", errno.EPERM),
    ("setns", errno.EPERM),
    ("umount2", errno.EPERM),
    ("pivot_root", errno.EPERM),
    ("chroot", errno.EPERM),
    # Anonymous memory files: their pages are in no process's RSS until mapped, so no
    # per-process or job-wide count sees them (the job's files are its /tmp and /dev/shm,
    # whose sizes are bounded and counted).
    ("memfd_create", errno.EPERM),
    ("memfd_secret", errno.EPERM),
)


class SeccompUnavailable(RuntimeError):
    """libseccomp is missing or refused to build the filter."""


class _ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


@functools.cache
def _libseccomp() -> ctypes.CDLL:
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError as exc:
        raise SeccompUnavailable(
            f"libseccomp is not installed ({exc}); install libseccomp2 (apt) or libseccomp (dnf)"
        ) from None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCmp),
    ]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    return lib


def _errno_action(number: int) -> int:
    return 0x00050000 | (number & 0xFFFF)


@dataclass(frozen=True)
class _Rule:
    syscall: str
    errno: int
    args: tuple[tuple[int, int, int, int], ...] = ()  # (arg index, op, datum_a, datum_b)


def _rules(for_job: bool) -> list[_Rule]:
    rules = [_Rule(name, number) for name, number in DENIED]
    if for_job:
        rules += [_Rule(name, number) for name, number in JOB_ONLY_DENIED]
    namespaces = CLONE_NAMESPACES if for_job else (CLONE_NEWUSER,)
    rules += [
        _Rule("clone", errno.EPERM, ((0, SCMP_CMP_MASKED_EQ, flag, flag),)) for flag in namespaces
    ]
    rules += [
        # Faking input on a terminal (CVE-2017-5226, CVE-2023-28100).
        _Rule("ioctl", errno.EPERM, ((1, SCMP_CMP_MASKED_EQ, 0xFFFFFFFF, TIOCSTI),)),
        _Rule("ioctl", errno.EPERM, ((1, SCMP_CMP_MASKED_EQ, 0xFFFFFFFF, TIOCLINUX),)),
        # No other execution domain (READ_IMPLIES_EXEC, BSD emulation...).
        _Rule("personality", errno.EPERM, ((0, SCMP_CMP_NE, PER_LINUX, 0),)),
        # Sockets: local ones only. The job has no network anyway; this closes netlink
        # (nf_tables, the route to many kernel bugs), packet, vsock, and the rest.
        _Rule("socket", errno.EAFNOSUPPORT, ((0, SCMP_CMP_NE, socket.AF_UNIX, 0),)),
        _Rule("socketpair", errno.EAFNOSUPPORT, ((0, SCMP_CMP_NE, socket.AF_UNIX, 0),)),
    ]
    return rules


def _compile(rules: list[_Rule]) -> bytes:
    lib = _libseccomp()
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        raise SeccompUnavailable("seccomp_init failed")
    try:
        for rule in rules:
            number = lib.seccomp_syscall_resolve_name(rule.syscall.encode())
            if number == -1:  # unknown to this libseccomp: nothing to refuse
                continue
            args = (_ArgCmp * max(len(rule.args), 1))(*(_ArgCmp(*a) for a in rule.args))
            result = lib.seccomp_rule_add_array(
                ctx, _errno_action(rule.errno), number, len(rule.args), args
            )
            if result < 0:
                raise SeccompUnavailable(
                    f"seccomp_rule_add({rule.syscall}) failed: {os.strerror(-result)}"
                )
        with tempfile.TemporaryFile() as out:
            result = lib.seccomp_export_bpf(ctx, out.fileno())
            if result < 0:
                raise SeccompUnavailable(f"seccomp_export_bpf failed: {os.strerror(-result)}")
            out.seek(0)
            return out.read()
    finally:
        lib.seccomp_release(ctx)


@functools.cache
def zygote_filter() -> bytes:
    """The BPF program (``struct sock_filter[]``) bubblewrap installs on the zygote."""
    return _compile(_rules(for_job=False))


@functools.cache
def job_filter() -> bytes:
    """The BPF program each job process stacks on the zygote's before running the code."""
    return _compile(_rules(for_job=True))


def denied_syscalls(for_job: bool = True) -> list[str]:
    """The names of the syscalls refused outright (for the health panel and the docs)."""
    names = [name for name, _ in DENIED]
    return names + [name for name, _ in JOB_ONLY_DENIED] if for_job else names


# --------------------------------------------------------------------------- the container

# Refused to the grading service's container as well (Docker's default profile refuses
# them too); bubblewrap needs none of them.
CONTAINER_DENIED = (
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "stime",
    "vhangup",
    "lookup_dcookie",
    "nfsservctl",
    "_sysctl",
    "vm86",
    "vm86old",
    "create_module",
    "get_kernel_syms",
    "query_module",
    "umount",
)
# What bubblewrap does to build a sandbox, allowed to the container although Docker's
# default profile refuses it to a process without CAP_SYS_ADMIN.
BWRAP_NEEDS = ("clone", "unshare", "mount", "umount2", "pivot_root", "chroot", "setns")
# The architectures the profile names syscalls for (libseccomp's tokens: AUDIT_ARCH_*).
_PROFILE_ARCHES = {
    "SCMP_ARCH_X86_64": 0xC000003E,
    "SCMP_ARCH_AARCH64": 0xC00000B7,
}


def _known_syscalls() -> set[str]:
    lib = _libseccomp()
    lib.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p
    lib.seccomp_syscall_resolve_num_arch.argtypes = [ctypes.c_uint32, ctypes.c_int]
    libc = ctypes.CDLL(None)
    names = set()
    for arch in _PROFILE_ARCHES.values():
        for number in range(1024):
            pointer = lib.seccomp_syscall_resolve_num_arch(arch, number)
            if pointer:
                names.add(ctypes.string_at(pointer).decode())
                libc.free(ctypes.c_void_p(pointer))
    return names


def container_profile() -> dict:
    """The Docker seccomp profile of the grading service (deploy/seccomp/grader.json):
    every syscall this libseccomp knows, except the jobs' deny list and the host
    administration calls; bubblewrap's namespace and mount calls stay allowed."""
    denied = {name for name, _ in DENIED} | set(CONTAINER_DENIED)
    allowed = sorted((_known_syscalls() - denied) | set(BWRAP_NEEDS))
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": errno.EPERM,
        "archMap": [
            {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": []},
            {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": []},
        ],
        "syscalls": [
            {"names": allowed, "action": "SCMP_ACT_ALLOW"},
            # As in the jobs' filter: ENOSYS, so that the C library falls back to clone(2).
            {
                "names": sorted(name for name, number in DENIED if number == errno.ENOSYS),
                "action": "SCMP_ACT_ERRNO",
                "errnoRet": errno.ENOSYS,
            },
        ],
    }
