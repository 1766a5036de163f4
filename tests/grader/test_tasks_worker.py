"""The grading pipeline with a real Celery worker and a real Redis: a candidate's code is
graded end to end, and a worker killed with SIGKILL mid-way loses nothing and writes no
grade twice once a new worker starts."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from grader.models import Submission
from tests.assess import factories
from tests.support.worker import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def submitted_attempts(count: int, source: str) -> list[int]:
    """`count` candidates each submit one coding answer; returns the submissions' ids."""
    bank = factories.make_bank("coding")
    assessment = factories.make_assessment(factories.make_org(), [bank["coding"]], pass_mark=50)
    for n in range(count):
        inv, _ = factories.make_invitation(assessment, name=f"Candidate {n}")
        attempt = attempt_start(inv)
        answer_save(attempt, 0, source, 0)
        attempt_submit(attempt)  # queues the grading task once committed
    return list(
        Submission.objects.filter(public_only=False).order_by("pk").values_list("pk", flat=True)
    )


def test_a_candidates_code_submission_is_graded_end_to_end(pipeline):
    ids = submitted_attempts(1, factories.GOOD_LAYERNORM)
    assert Submission.objects.get(pk=ids[0]).status == "queued"  # stored before any worker runs
    pipeline()
    wait_for(
        lambda: Submission.objects.filter(pk=ids[0], status="graded").exists(),
        90,
        pipeline.log,
        "the grade",
    )
    submission = Submission.objects.select_related("answer__attempt").get(pk=ids[0])
    assert (submission.verdict, submission.score, submission.attempts) == ("accepted", 1.0, 1)
    assert submission.report["checks"] and all(c["passed"] for c in submission.report["checks"])
    wait_for(
        lambda: (
            submission.answer.attempt.__class__.objects.get(
                pk=submission.answer.attempt_id
            ).graded_at
        ),
        30,
        pipeline.log,
        "the attempt's result",
    )
    attempt = submission.answer.attempt
    attempt.refresh_from_db()
    assert (attempt.score_percent, attempt.passed) == (100.0, True)


def test_a_worker_killed_mid_grading_recovers_in_a_minute_with_the_default_settings(
    pipeline, record_property
):
    """kill -9 of a worker grading 30 submissions, then a new worker (the same name, as a
    restarted container has): with the default settings and the real beat + sweep, all 30
    are final within 90 s of the new worker starting, none lost, none graded twice."""
    ids = submitted_attempts(30, factories.GOOD_LAYERNORM)
    pipeline.periodic()
    first = pipeline()

    def some_done_some_running():
        statuses = list(Submission.objects.filter(pk__in=ids).values_list("status", flat=True))
        return statuses.count("graded") >= 3 and "running" in statuses

    wait_for(some_done_some_running, 90, pipeline.log, "grading to be under way")
    first.kill()
    in_flight = Submission.objects.filter(pk__in=ids, status="running").count()
    reserved = Submission.objects.filter(pk__in=ids, status="queued").exclude(worker="").count()
    orphans = list(
        Submission.objects.filter(pk__in=ids)
        .exclude(worker="")
        .exclude(status="graded")
        .values_list("pk", flat=True)
    )
    graded_before = dict(
        Submission.objects.filter(pk__in=ids, status="graded").values_list("pk", "finished_at")
    )
    assert in_flight >= 1 and len(graded_before) < 30

    started, started_at = time.monotonic(), timezone.now()
    pipeline()
    wait_for(
        lambda: Submission.objects.filter(pk__in=ids, status="graded").count() == 30,
        90,
        pipeline.log,
        "all 30 grades within 90 s of the new worker",
    )
    recovery_s = time.monotonic() - started
    resent_at = max(Submission.objects.filter(pk__in=orphans).values_list("enqueued_at", flat=True))
    resent_s = (resent_at - started_at).total_seconds()
    record_property("recovery_seconds", round(recovery_s, 1))
    print(
        f"\nrecovery: the dead worker's {len(orphans)} submissions ({in_flight} running, "
        f"{reserved} reserved) were re-sent {resent_s:.1f} s after the new worker started; "
        f"all 30 final after {recovery_s:.1f} s"
    )
    rows = list(Submission.objects.filter(pk__in=ids).select_related("answer"))
    assert all(r.verdict == "accepted" and r.score == 1.0 for r in rows)
    # Grades written before the kill were not written again.
    assert {r.pk: r.finished_at for r in rows if r.pk in graded_before} == graded_before
    # Each submission has one final row and its answer was scored once, by the grader.
    assert Submission.objects.filter(public_only=False).count() == 30
    assert all(r.answer.score == 1.0 and r.answer.scored_by == "grader" for r in rows)
    # Exactly what was running at the kill was started a second time; nothing else ran twice.
    assert sum(r.attempts for r in rows) - 30 == in_flight
    assert all(r.attempts == 1 for r in rows if r.pk in graded_before)
