"""The attempt's rules, tested on the domain functions: freezing, autosave revisions, the
deadline, submission, and scoring."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assess.attempts.services import (
    AttemptClosed,
    InvitationExpired,
    InvitationInvalid,
    RateLimited,
    StaleRevision,
    answer_save,
    attempt_close_if_due,
    attempt_start,
    attempt_submit,
    attempts_submit_expired,
    invitation_for_token,
    sample_run_start,
)
from assess.attempts.workflow import answer_review
from assess.models import Answer, AttemptStatus, Invitation, SubmitReason
from assess.scoring import attempt_results, level_estimate
from assess.tokens import token_digest
from grader.models import Submission
from quizzes.errors import ResponseInvalid
from quizzes.models import Kind
from quizzes.questions import correct_answer_text, numeric_values
from tests.assess import factories

pytestmark = pytest.mark.django_db


def answer_of(attempt, kind: str) -> Answer:
    return next(a for a in attempt.answers.select_related("question_version") if a.kind == kind)


def correct_choices(answer: Answer) -> list[int]:
    return [i for i, c in enumerate(answer.question_version.content["choices"]) if c["correct"]]


def test_the_token_is_stored_only_as_its_hash(invitation):
    inv, token = invitation
    assert token not in inv.token_hash
    assert Invitation.objects.get(pk=inv.pk).token_hash == token_digest(token)
    assert invitation_for_token(token) == inv
    with pytest.raises(InvitationInvalid):
        invitation_for_token(token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_starting_freezes_versions_seeds_choice_orders_and_drawn_values(invitation, bank):
    inv, _ = invitation
    attempt = attempt_start(inv)
    assert attempt.deadline == attempt.started_at + timedelta(minutes=30)
    numeric = answer_of(attempt, Kind.NUMERIC)
    assert numeric.drawn_values == numeric_values(numeric.question_version, numeric.seed)
    single = answer_of(attempt, Kind.SINGLE_CHOICE)
    assert single.choice_order == [0, 1, 2]  # shuffle off in this assessment
    # Editing the bank afterwards does not change what this attempt shows or scores.
    frozen_version = single.question_version_id
    item = factories.question_from_yaml(
        factories.textwrap.dedent(factories.QUESTIONS["single"]).replace(
            "Why is epsilon", "Why, exactly, is epsilon"
        )
    )
    factories.save_question(item, bank["single"].topic)
    assert answer_of(attempt, Kind.SINGLE_CHOICE).question_version_id == frozen_version
    # Starting twice returns the same attempt: the link is single use.
    assert attempt_start(inv).pk == attempt.pk


def test_shuffled_choice_order_is_frozen_per_candidate(org, bank):
    assessment = factories.make_assessment(org, [bank["multiple"]], shuffle=True)
    orders = set()
    for n in range(12):
        inv, _ = factories.make_invitation(assessment, name=f"Candidate {n}")
        answer = answer_of(attempt_start(inv), Kind.MULTIPLE_CHOICE)
        assert sorted(answer.choice_order) == [0, 1, 2, 3]
        orders.add(tuple(answer.choice_order))
    assert len(orders) > 1


def test_random_draw_by_kind_level_and_topic(org, bank):
    assessment = factories.make_assessment(org, [])
    section = assessment.sections.get()
    section.draw_count, section.draw_kind, section.draw_level = 5, Kind.SINGLE_CHOICE, "junior"
    section.save()
    inv, _ = factories.make_invitation(assessment)
    attempt = attempt_start(inv)
    assert [a.question_version.question.key for a in attempt.answers.all()] == ["t-single"]


def test_an_expired_invitation_cannot_start(assessment):
    inv, _ = factories.make_invitation(assessment, expires_in=timedelta(seconds=-1))
    with pytest.raises(InvitationExpired):
        attempt_start(inv)


def test_autosave_refuses_an_older_revision_and_returns_the_newer_answer(invitation):
    attempt = attempt_start(invitation[0])
    numeric = answer_of(attempt, Kind.NUMERIC)
    first = answer_save(attempt, numeric.position, "1.5", 0)
    assert (first.revision, first.response) == (1, "1.5")
    second = answer_save(attempt, numeric.position, "1.75", 1)
    assert second.revision == 2
    # A second tab that last saw revision 1 cannot overwrite revision 2.
    with pytest.raises(StaleRevision) as stale:
        answer_save(attempt, numeric.position, "9", 1)
    assert (stale.value.answer.revision, stale.value.answer.response) == (2, "1.75")
    # Saving the same value again does not bump the revision.
    assert answer_save(attempt, numeric.position, "1.75", 2).revision == 2


def test_autosave_checks_the_shape_of_a_response(invitation):
    attempt = attempt_start(invitation[0])
    single = answer_of(attempt, Kind.SINGLE_CHOICE)
    with pytest.raises(ResponseInvalid):
        answer_save(attempt, single.position, 7, 0)
    with pytest.raises(ResponseInvalid):
        answer_save(attempt, single.position, [0, 1], 0)
    written = answer_of(attempt, Kind.WRITTEN)
    with pytest.raises(ResponseInvalid, match="limit is 40"):
        answer_save(attempt, written.position, "word " * 41, 0)
    assert answer_save(attempt, written.position, "word " * 40, 0).revision == 1


def test_nothing_is_accepted_after_the_deadline_and_the_attempt_is_submitted(invitation):
    attempt = attempt_start(invitation[0])
    numeric = answer_of(attempt, Kind.NUMERIC)
    answer_save(attempt, numeric.position, "1.0", 0)
    late = attempt.deadline + timedelta(seconds=1)
    with pytest.raises(AttemptClosed, match="Time is up"):
        answer_save(attempt, numeric.position, "2.0", 1, now=late)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.submit_reason == SubmitReason.DEADLINE
    assert attempt.submitted_at == attempt.deadline
    assert Answer.objects.get(pk=numeric.pk).response == "1.0"


def test_the_periodic_sweep_and_the_next_access_submit_expired_attempts(assessment):
    a1 = attempt_start(factories.make_invitation(assessment, name="One")[0])
    a2 = attempt_start(factories.make_invitation(assessment, name="Two")[0])
    later = a1.deadline + timedelta(minutes=1)
    assert attempt_close_if_due(a1, now=later).status == AttemptStatus.SUBMITTED
    assert attempts_submit_expired(now=later) == 1
    a2.refresh_from_db()
    assert (a2.status, a2.submit_reason) == (AttemptStatus.SUBMITTED, SubmitReason.DEADLINE)
    assert attempts_submit_expired(now=later) == 0


def test_submitting_scores_choices_and_numbers_and_queues_code_once(
    invitation, django_capture_on_commit_callbacks
):
    attempt = attempt_start(invitation[0])
    single, multiple = (
        answer_of(attempt, Kind.SINGLE_CHOICE),
        answer_of(attempt, Kind.MULTIPLE_CHOICE),
    )
    numeric, coding = answer_of(attempt, Kind.NUMERIC), answer_of(attempt, Kind.CODING)
    answer_save(attempt, single.position, correct_choices(single)[0], 0)
    answer_save(attempt, multiple.position, correct_choices(multiple)[:1], 0)  # half right
    answer_save(
        attempt, numeric.position, correct_answer_text(numeric.question_version, numeric.seed), 0
    )
    answer_save(attempt, coding.position, factories.GOOD_LAYERNORM, 0)
    with django_capture_on_commit_callbacks() as callbacks:
        submitted = attempt_submit(attempt)
    assert len(callbacks) == 1  # the grading tasks are queued after the commit
    assert submitted.status == AttemptStatus.SUBMITTED
    scores = {a.kind: a.score for a in submitted.answers.select_related("question_version")}
    assert scores == {
        Kind.SINGLE_CHOICE: 1.0,
        Kind.MULTIPLE_CHOICE: 0.5,
        Kind.NUMERIC: 1.0,
        Kind.WRITTEN: 0.0,
        Kind.CODING: None,
    }  # written unanswered: 0
    submission = Submission.objects.get(answer=coding)
    assert (submission.status, submission.source, submission.public_only) == (
        "queued",
        factories.GOOD_LAYERNORM,
        False,
    )
    # Idempotent: a second submit changes nothing and queues nothing.
    again = attempt_submit(attempt)
    assert again.submitted_at == submitted.submitted_at
    assert Submission.objects.filter(answer__attempt=attempt).count() == 1
    with pytest.raises(AttemptClosed, match="submitted"):
        answer_save(attempt, single.position, 1, 1)


def test_results_per_section_topic_and_level_and_pass_once_all_graded(
    invitation, django_user_model
):
    attempt = attempt_start(invitation[0])
    single, written = answer_of(attempt, Kind.SINGLE_CHOICE), answer_of(attempt, Kind.WRITTEN)
    answer_save(attempt, single.position, correct_choices(single)[0], 0)
    answer_save(attempt, written.position, "Tiny batches give noisy statistics.", 0)
    attempt = attempt_submit(attempt)
    results = attempt_results(attempt)
    assert not results.complete and results.passed is None
    assert results.total.pending == 1  # the written answer waits for a reviewer
    assert attempt.graded_at is None
    reviewer = django_user_model.objects.create_user("rev")
    answer_review(written, 1.0, reviewer)
    attempt.refresh_from_db()
    # 2 of 5 points (single + written); coding unanswered scores 0.
    assert attempt.score_percent == 40.0
    assert attempt.passed is False
    levels = {t.label: t.percent for t in attempt_results(attempt).levels}
    # Junior: single (1), numeric (0), coding (0); mid: multiple (0); senior: written (1).
    assert levels == {"Junior (easy)": 33.3, "Mid (medium)": 0.0, "Senior (hard)": 100.0}
    # Under 60 % on the junior questions: below the scale's junior rung.
    assert attempt.level_estimate == "not_yet_junior"
    topics = {t.label: t.possible for t in attempt_results(attempt).topics}
    assert sum(topics.values()) == 5


@pytest.mark.parametrize(
    ("percents", "expected"),
    [
        ({"junior": 90, "mid": 80, "senior": 70}, "senior"),
        ({"junior": 90, "mid": 80, "senior": 40}, "mid"),
        ({"junior": 50, "mid": 100, "senior": 100}, "not_yet_junior"),
        ({"junior": 60, "mid": 30}, "junior"),
        ({"mid": 70}, "mid"),
        ({"junior": 100, "senior": 65}, "senior"),
        ({"junior": 20}, "not_yet_junior"),
        ({"junior": 0, "mid": 0, "senior": 10}, "not_yet_junior"),
        # A test without junior questions cannot place anyone below junior.
        ({"mid": 30}, "junior"),
        ({"senior": 10}, "junior"),
    ],
)
def test_level_estimate_rule(percents, expected):
    from assess.scoring import Tally

    levels = {}
    for level, pct in percents.items():
        tally = Tally(level)
        for i in range(10):
            tally.add(1.0 if i < pct / 10 else 0.0)
        levels[level] = tally
    assert level_estimate(levels) == expected


def test_sample_runs_are_rate_limited_per_attempt(invitation, settings):
    settings.ASSESS_SAMPLE_RUNS_PER_MINUTE = 2
    attempt = attempt_start(invitation[0])
    coding = answer_of(attempt, Kind.CODING)
    sample_run_start(attempt, coding.position, factories.GOOD_LAYERNORM)
    sample_run_start(attempt, coding.position, factories.GOOD_LAYERNORM)
    with pytest.raises(RateLimited) as limited:
        sample_run_start(attempt, coding.position, factories.GOOD_LAYERNORM)
    assert 1 <= limited.value.retry_after <= 61
    later = timezone.now() + timedelta(seconds=61)
    assert sample_run_start(attempt, coding.position, "x = 1", now=later).public_only
    with pytest.raises(ResponseInvalid):
        sample_run_start(attempt, answer_of(attempt, Kind.NUMERIC).position, "x = 1", now=later)
