"""Races on a real database (PostgreSQL in CI): two tabs autosaving one answer, a submit
racing the deadline, a double submit. Nothing lost, nothing counted twice."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from assess.attempts.services import (
    AttemptClosed,
    StaleRevision,
    answer_save,
    attempt_start,
    attempt_submit,
    attempts_submit_expired,
)
from assess.models import Answer, Attempt
from grader.models import Submission
from quizzes.models import Kind
from tests.assess import factories

pytestmark = pytest.mark.django_db(transaction=True)


def in_threads(count: int, target) -> list:
    """Run `target(i)` in `count` threads started together; their results (or exceptions)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def attempt(invitation):
    return attempt_start(invitation[0])


def position(attempt, kind):
    return next(
        a.position for a in attempt.answers.select_related("question_version") if a.kind == kind
    )


def test_two_tabs_autosaving_never_lose_a_save_or_overwrite_newer_work(attempt):
    where = position(attempt, Kind.WRITTEN)
    saves_per_tab = 15

    def tab(i):
        """Like the page's script: send the revision last seen; on 409 take the server's."""
        seen, accepted = 0, []
        for n in range(saves_per_tab):
            text = f"tab {i} draft {n}"
            try:
                saved = answer_save(attempt, where, text, seen)
                seen = saved.revision
                accepted.append((saved.revision, text))
            except StaleRevision as stale:
                seen = stale.answer.revision
        return accepted

    results = in_threads(2, tab)
    assert not [r for r in results if isinstance(r, Exception)], results
    accepted = sorted(results[0] + results[1])
    revisions = [rev for rev, _ in accepted]
    # Every accepted save got its own revision, one after another: none lost, none doubled.
    assert revisions == list(range(1, len(accepted) + 1))
    final = Answer.objects.get(attempt=attempt, position=where)
    assert (final.revision, final.response) == accepted[-1]


def test_a_double_submit_counts_once(attempt, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "grader.routing.submissions_enqueue", lambda ids: queued.append(list(ids)) or len(ids)
    )
    coding = position(attempt, Kind.CODING)
    answer_save(attempt, coding, factories.GOOD_LAYERNORM, 0)
    results = in_threads(6, lambda i: attempt_submit(attempt).submitted_at)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1  # every caller sees the one submission
    assert Submission.objects.filter(answer__attempt=attempt, public_only=False).count() == 1
    assert len(queued) == 1
    scored = Answer.objects.filter(attempt=attempt, scored_at__isnull=False)
    assert len({a.scored_at for a in scored}) == 1  # scored in one pass


def test_a_submit_racing_the_deadline_keeps_exactly_what_was_accepted(attempt, monkeypatch):
    monkeypatch.setattr("grader.routing.submissions_enqueue", lambda ids: len(ids))
    where = position(attempt, Kind.NUMERIC)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=1.0))

    def saver(i):
        seen, accepted, refused = 0, [], 0
        n = 0
        while refused < 3:
            n += 1
            try:
                saved = answer_save(attempt, where, f"{i}.{n}", seen)
                seen = saved.revision
                accepted.append((saved.revision, saved.response, saved.saved_at))
            except StaleRevision as stale:
                seen = stale.answer.revision
            except AttemptClosed:
                refused += 1
            time.sleep(0.01)
        return accepted

    def submitter(i):
        time.sleep(1.0)
        if i == 2:
            return attempts_submit_expired()  # the periodic task
        return attempt_submit(attempt).submitted_at  # the candidate's button

    results = in_threads(4, lambda i: saver(i) if i < 2 else submitter(i))
    assert not [r for r in results if isinstance(r, Exception)], results
    attempt.refresh_from_db()
    assert attempt.status == "submitted"
    accepted = sorted(results[0] + results[1])
    assert [rev for rev, _, _ in accepted] == list(range(1, len(accepted) + 1))
    # Nothing was accepted after the deadline or after the submission.
    assert all(saved_at < attempt.deadline for _, _, saved_at in accepted)
    assert all(saved_at <= attempt.submitted_at for _, _, saved_at in accepted)
    final = Answer.objects.get(attempt=attempt, position=where)
    assert (final.revision, final.response) == accepted[-1][:2]
    assert final.score is not None and final.scored_by == "auto"  # scored once, from that response
