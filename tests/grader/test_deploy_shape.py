"""The production compose file keeps the trust boundaries of docs/deploy.md: candidates'
code only in secret-free, network-less, non-root grading services; nothing unconfined."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from grader.engine.sandbox.seccomp import BWRAP_NEEDS, DENIED
from grader.engine.sandbox.service import SECRET_VARIABLES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
GRADERS = ("grader-cpu", "grader-gpu")
WORKERS = ("worker-cpu", "worker-gpu")


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
