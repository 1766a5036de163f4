"""Practice apart from hiring: anonymous visitors' code runs in a grading service of its own
(its own process, socket and sandbox pool), never in the one that grades candidates; with
no practice service it is refused, not sent to the hiring one."""

import pytest
from django.urls import reverse

from grader.engine.config import GraderConfig
from grader.engine.sandbox import (
    HIRING,
    PRACTICE,
    NoPracticeService,
    SandboxPool,
    get_pool,
    service_socket,
)
from grader.engine.sandbox.client import ServicePool
from grader.grading import submission_grade
from quizzes.models import PracticeRun
from quizzes.practice_code import practice_code_grade
from tests.assess.factories import GOOD_LAYERNORM

from .test_practice import _start, _token

pytestmark = pytest.mark.django_db
REFUSED = "Practice code cannot be graded on this site right now, so your code was not run."


def _status(socket_path: str) -> dict:
    """What the service on `socket_path` says of itself: its pid, the jobs it ran."""
    return ServicePool(GraderConfig(), socket_path=socket_path).status(refresh=True)


def _jobs_run(sockets: dict) -> dict[str, int]:
    return {purpose: _status(sockets[purpose])["jobs_run"] for purpose in (HIRING, PRACTICE)}


@pytest.fixture
def both_services(grading_services, monkeypatch):
    """The worker's environment in `make run` and compose: both services configured."""
    monkeypatch.setenv("GRADER_SERVICE_SOCKET", grading_services[HIRING])
    monkeypatch.setenv("GRADER_PRACTICE_SERVICE_SOCKET", grading_services[PRACTICE])
    return grading_services


@pytest.fixture
def hiring_service_only(grading_services, monkeypatch):
    """A deployment that forgot the practice service."""
    monkeypatch.setenv("GRADER_SERVICE_SOCKET", grading_services[HIRING])
    monkeypatch.delenv("GRADER_PRACTICE_SERVICE_SOCKET", raising=False)
    return grading_services


def test_a_practice_run_and_a_hiring_grade_run_in_different_service_processes(
    both_services, client, coding_bank, queued, request
):
    sockets = both_services
    before = _jobs_run(sockets)

    token = _token(_start(client))
    queued(client, token, GOOD_LAYERNORM)
    assert practice_code_grade(*queued.jobs[-1]) == "accepted"
    after_practice = _jobs_run(sockets)
    assert after_practice[PRACTICE] > before[PRACTICE]
    assert after_practice[HIRING] == before[HIRING]  # the visitor's code never reached it

    # Made only now: its bank's questions would otherwise be drawn into the practice quiz.
    submission = request.getfixturevalue("coding_submission")
    outcome = submission_grade(submission.pk)
    assert (outcome.status, outcome.verdict) == ("graded", "accepted")
    after_hiring = _jobs_run(sockets)
    assert after_hiring[HIRING] > after_practice[HIRING]
    assert after_hiring[PRACTICE] == after_practice[PRACTICE]

    # Two processes, each the one started on its socket.
    pids = {purpose: _status(sockets[purpose])["pid"] for purpose in (HIRING, PRACTICE)}
    assert pids == sockets["pids"] and pids[HIRING] != pids[PRACTICE]


def test_practice_refuses_the_hiring_service_when_it_has_none_of_its_own(
    hiring_service_only, client, coding_bank, queued
):
    before = _status(hiring_service_only[HIRING])["jobs_run"]
    token = _token(_start(client))
    queued(client, token, GOOD_LAYERNORM)
    assert practice_code_grade(*queued.jobs[-1]) == "internal_error"

    entry = PracticeRun.objects.get(token=token).answers["0"]
    assert (entry["status"], entry["correct"], entry["report"]) == ("unavailable", None, None)
    page = client.get(reverse("quizzes:practice_question", args=[token, 1]))
    assert page.status_code == 200 and REFUSED in page.content.decode()
    polled = client.get(reverse("quizzes:practice_code_status", args=[token, 1]))
    assert polled.status_code == 200 and REFUSED in polled.content.decode()
    assert _status(hiring_service_only[HIRING])["jobs_run"] == before


def test_practice_pointed_at_the_hiring_service_is_refused_too(grading_services, tmp_path):
    hiring = grading_services[HIRING]
    alias = tmp_path / "practice.sock"
    alias.symlink_to(hiring)
    for practice in (hiring, str(alias)):
        config = GraderConfig(service_socket=hiring, practice_service_socket=practice)
        with pytest.raises(NoPracticeService, match="needs a service of its own"):
            service_socket(PRACTICE, config)


def test_a_worker_gets_a_client_of_each_service(both_services):
    hiring, practice = get_pool(), get_pool(purpose=PRACTICE)
    assert isinstance(hiring, ServicePool) and isinstance(practice, ServicePool)
    assert (hiring.socket_path, practice.socket_path) == (
        both_services[HIRING],
        both_services[PRACTICE],
    )


def test_without_services_practice_has_a_local_pool_of_its_own(monkeypatch):
    monkeypatch.delenv("GRADER_SERVICE_SOCKET", raising=False)
    monkeypatch.delenv("GRADER_PRACTICE_SERVICE_SOCKET", raising=False)
    hiring, practice = get_pool(), get_pool(purpose=PRACTICE)
    assert isinstance(hiring, SandboxPool) and isinstance(practice, SandboxPool)
    assert practice is not hiring  # its own zygote
    assert practice is get_pool(purpose=PRACTICE)  # and warm: one per process
