"""The production compose file keeps the trust boundaries of docs/deploy.md: candidates'
code only in secret-free, network-less, non-root grading services, visitors' practice code in
one of its own; nothing unconfined, nothing without a memory and a process ceiling."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from grader.engine.sandbox.seccomp import BWRAP_NEEDS, DENIED
from grader.engine.sandbox.service import SECRET_VARIABLES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
GRADERS = ("grader-cpu", "grader-practice", "grader-gpu")
WORKERS = ("worker-cpu", "worker-gpu")
# What a grading service's job may use (GRADER_MEMORY_MB's default), and what the service
# and its zygotes need beside the jobs.
JOB_BYTES = 1 << 30
SERVICE_BYTES = 1 << 30


@pytest.mark.parametrize("name", GRADERS)
def test_a_grading_service_is_confined_and_holds_no_secret(name):
    service = SERVICES[name]
    assert service["user"].split(":")[0] not in ("0", "root")
    assert service["network_mode"] == "none"
    assert service["read_only"] is True
    assert "cap_add" not in service and service["cap_drop"] == ["ALL"]
    assert not service.get("privileged")
    options = service["security_opt"]
    assert not [o for o in options if o.endswith("=unconfined") and not o.startswith("system")]
    profile = next(o.split("=", 1)[1] for o in options if o.startswith("seccomp="))
    assert (ROOT / profile).is_file()
    assert any(o.startswith("apparmor=") for o in options)
    assert not set(service.get("environment", {})) & set(SECRET_VARIABLES)
    assert "python -m grader serve" in service["command"]


@pytest.mark.parametrize("name", WORKERS)
def test_a_worker_is_not_root_and_sends_jobs_to_a_grading_service(name):
    service = SERVICES[name]
    assert service["user"].split(":")[0] not in ("0", "root")
    assert "cap_add" not in service
    assert not [o for o in service.get("security_opt", []) if "unconfined" in o]
    assert service["environment"]["GRADER_SERVICE_SOCKET"].startswith("/run/grader/")


def test_redis_needs_a_password():
    assert "--requirepass" in SERVICES["redis"]["command"]
    broker = SERVICES["web"]["environment"]["CELERY_BROKER_URL"]
    assert broker.startswith("redis://:${REDIS_PASSWORD")


def test_the_container_profile_allows_bubblewrap_and_refuses_the_deny_list():
    profile = json.loads((ROOT / "deploy" / "seccomp" / "grader.json").read_text())
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO"
    allowed = set(profile["syscalls"][0]["names"])
    assert set(BWRAP_NEEDS) <= allowed
    assert {"read", "write", "openat", "execve", "wait4", "socketpair", "prctl"} <= allowed
    assert not {name for name, _ in DENIED} & allowed
    enosys = profile["syscalls"][1]
    assert "clone3" in enosys["names"] and enosys["errnoRet"] == 38


def _socket(service: dict) -> str:
    return re.search(r"--socket (\S+)", service["command"]).group(1)


def _volume_at(service: dict, folder: str) -> str:
    """The volume mounted on ``folder`` in ``service``."""
    return next(v.split(":")[0] for v in service["volumes"] if v.split(":")[1] == folder)


def _volumes(service: dict) -> set[str]:
    return {v.split(":")[0] for v in service.get("volumes", [])}


def _queues(service: dict) -> list[str]:
    return re.search(r"-Q (\S+)", service["command"]).group(1).split(",")


def test_practice_code_goes_to_its_own_grading_service():
    app = COMPOSE["x-app"]["environment"]
    practice_queue = app.get("PRACTICE_CODE_QUEUE", app.get("GRADER_CPU_QUEUE", "cpu"))
    takers = [name for name in WORKERS if practice_queue in _queues(SERVICES[name])]
    assert takers, "no worker takes the practice queue"
    practice = _socket(SERVICES["grader-practice"])
    for name in takers:
        environment = SERVICES[name]["environment"]
        assert environment["GRADER_PRACTICE_SERVICE_SOCKET"] == practice
        assert environment["GRADER_SERVICE_SOCKET"] != practice
        assert "grader-practice" in SERVICES[name]["depends_on"]


def test_the_practice_service_cannot_reach_another_services_socket():
    # A sandbox escape there could otherwise put its own socket in place of grader-cpu's.
    practice = SERVICES["grader-practice"]
    volume = _volume_at(practice, str(Path(_socket(practice)).parent))
    assert _volumes(practice) == {volume}
    for name in ("grader-cpu", "grader-gpu"):
        assert volume not in _volumes(SERVICES[name])


def _bytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)b?", str(size).lower()).groups()
    return int(number) << {"": 0, "k": 10, "m": 20, "g": 30}[unit]


def _default(value: str) -> str:
    """A compose value's default: "${GRADER_POOL_SIZE:-4}" -> "4"."""
    found = re.fullmatch(r"\$\{\w+:-([^}]*)\}", str(value))
    return found.group(1) if found else str(value)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_memory_and_a_process_ceiling(name):
    service = SERVICES[name]
    assert _bytes(service["mem_limit"]) >= 128 << 20
    assert 32 <= int(service["pids_limit"]) <= 4096


@pytest.mark.parametrize("name", GRADERS)
def test_a_grading_service_has_memory_for_its_pool_and_room_for_its_jobs(name):
    service = SERVICES[name]
    pool_size = int(_default(service["environment"]["GRADER_POOL_SIZE"]))
    assert _bytes(service["mem_limit"]) >= pool_size * JOB_BYTES + SERVICE_BYTES
    # Each job may start 16 processes (64 for a tensor job), plus the service's threads.
    assert int(service["pids_limit"]) >= pool_size * 64 + 64


def test_every_service_that_erases_candidates_writes_one_erasure_log_outside_the_database():
    # Web (admins, candidates, the API) and beat (retention) erase; a restore of the
    # database replays the log, so it lives on a volume of its own, shared by both.
    log = COMPOSE["x-app"]["environment"]["PRIVACY_ERASURE_LOG"]
    for name in ("web", "beat"):
        mounts = COMPOSE["services"][name]["volumes"]
        assert any(m.startswith("privacy-log:") and log.startswith(m.split(":")[1]) for m in mounts)
    assert "privacy-log" in COMPOSE["volumes"]
    assert not any("privacy-log" in str(v) for v in COMPOSE["services"]["db"].get("volumes", []))
