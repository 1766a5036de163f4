"""The candidate's side of an assessment: opening a link, starting, autosaving, submitting.

Every state change locks the attempt row (`select_for_update`) inside a transaction, so
two tabs, a submit and the deadline sweep serialize on it. The deadline is the server's:
every write checks it, and an attempt found past it is submitted on the spot.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assess.hiring.draws import assessment_questions
from assess.hiring.models import Invitation
from assess.strictinput import text_problem
from assess.tokens import token_digest
from quizzes.errors import ResponseInvalid, UserError
from quizzes.models import CHOICE_KINDS, Kind
from quizzes.responses import response_clean

from .adaptive import adaptive_advance, adaptive_pending, adaptive_record_step
from .freeze import answer_frozen
from .models import Answer, Attempt, AttemptStatus, SubmitReason
from .signals import attempt_started
from .workflow import (
    answer_score_now,
    answers_score_on_submit,
    attempt_refresh_result,
    points_freeze,
)


class AttemptError(UserError):
    """A candidate's request that cannot be honoured at this point of their attempt."""


class InvitationInvalid(AttemptError):
    status = 404


class InvitationExpired(AttemptError):
    status = 410


class AttemptClosed(AttemptError):
    """Submitted, or past its deadline (and now submitted)."""

    status = 409


class StaleRevision(AttemptError):
    """The client saved over a revision it had not seen; `answer` is the current one."""

    status = 409

    def __init__(self, answer: Answer):
        super().__init__(
            "This answer was changed in another tab or window; the newest version is shown."
        )
        self.answer = answer


class AnswerConfirmed(AttemptError):
    """An adaptive question already confirmed (and scored) cannot change."""

    status = 409


class RateLimited(AttemptError):
    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, retry_after=retry_after)


# --- Invitations ------------------------------------------------------------------------


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link's token opens; `InvitationInvalid` for anything else."""
    if not token or len(token) > 100:
        raise InvitationInvalid("This link is not valid. Check that you copied all of it.")
    try:
        return Invitation.objects.select_related("assessment").get(token_hash=token_digest(token))
    except Invitation.DoesNotExist:
        raise InvitationInvalid(
            "This link is not valid. Check that you copied all of it."
        ) from None


def attempt_of(invitation: Invitation) -> Attempt | None:
    return Attempt.objects.filter(invitation=invitation).first()


# --- Starting: freeze the questions -----------------------------------------------------


def invitation_check_open(invitation: Invitation, now: datetime) -> None:
    """Refuse a revoked or expired link, saying which (a revoked link's expiry is also
    moved to the revocation, so the revocation is checked first)."""
    if invitation.revoked_at is not None:
        raise InvitationExpired(
            "This invitation was revoked by the hiring team. Contact them if you think this "
            "is a mistake."
        )
    if invitation.expires_at <= now:
        raise InvitationExpired("This invitation has expired. Ask the hiring team for a new link.")


def attempt_start(invitation: Invitation, *, now: datetime | None = None) -> Attempt:
    """Start the invitation's attempt, or return the one already started.

    Freezes each question: its exact version, a seed, the choice order shown and the
    numeric values drawn; sets the server's deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("assessment")
            .get(pk=invitation.pk)
        )
        existing = attempt_of(invitation)
        if existing is not None:
            return existing
        invitation_check_open(invitation, now)
        assessment = invitation.assessment
        rng = random.SystemRandom()
        # The fixed sections now; adaptive ones are drawn as the candidate answers.
        frozen = assessment_questions(assessment, rng)
        attempt = Attempt.objects.create(
            organization=invitation.organization,
            invitation=invitation,
            assessment=assessment,
            started_at=now,
            deadline=now
            + timedelta(minutes=assessment.time_limit_minutes + invitation.extra_minutes),
            adaptive_seed=rng.randrange(2**31),
        )
        points_freeze(attempt)
        answers = [
            answer_frozen(attempt, position, section, version, rng.randrange(2**31))
            for position, (section, version) in enumerate(frozen)
        ]
        Answer.objects.bulk_create(answers)
        # Adaptive sections come after the fixed ones: their first question is drawn now.
        if adaptive_advance(attempt) is None and not answers:
            raise AttemptError("This test has no questions yet. Please contact the hiring team.")
        # Listeners (the ATS integrations) live above this package: they subscribe.
        transaction.on_commit(
            lambda: attempt_started.send(sender=Attempt, attempt=attempt), robust=True
        )
    return attempt


# --- While it runs ----------------------------------------------------------------------


def choice_value(answer: Answer, index: int) -> str:
    """The opaque value choice `index` of the bank posts on this answer's page. It differs
    per answer (and so per attempt), so the page never reveals the bank's order of the
    choices (where the key often sits first) and two candidates' values cannot be compared."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        f"choice:{answer.pk}:{answer.seed}:{index}".encode(),
        hashlib.sha256,
    ).hexdigest()
    return "c" + digest[:12]


def _choice_indices(answer: Answer, response: Any) -> Any:
    """A page's opaque choice values, as the bank's indices; ResponseInvalid for any other."""
    if response in (None, "", []):
        return response
    count = len(answer.question_version.content["choices"])
    by_value = {choice_value(answer, i): i for i in range(count)}
    items = response if isinstance(response, list) else [response]
    if any(not isinstance(item, str) or item not in by_value for item in items):
        raise ResponseInvalid("Unknown choice.")
    picked = [by_value[item] for item in items]
    return picked if isinstance(response, list) else picked[0]


def response_for_page(answer: Answer) -> Any:
    """The stored response as the candidate's page holds it (choices as opaque values)."""
    if answer.kind not in CHOICE_KINDS or answer.response is None:
        return answer.response
    if isinstance(answer.response, list):
        return [choice_value(answer, i) for i in answer.response]
    return choice_value(answer, answer.response)


def _response_clean(answer: Answer, response: Any) -> Any:
    from grader.engine.config import load_config

    if isinstance(response, str) and text_problem(response) is not None:
        # PostgreSQL's jsonb cannot hold it; the strict parser refuses it before this.
        raise ResponseInvalid(f"The answer {text_problem(response)}.")
    return response_clean(
        answer.question_version.content, response, source_bytes=load_config().source_bytes
    )


def _lock_open(attempt: Attempt, now: datetime) -> tuple[Attempt, bool]:
    """The attempt, locked; and whether it is still open. Past the deadline it is
    submitted here, in the caller's transaction."""
    locked = Attempt.objects.select_for_update().filter(pk=attempt.pk).first()
    if locked is None:  # erased (assess.privacy) between the page's lookup and this lock
        raise InvitationInvalid("This link is not valid. Check that you copied all of it.")
    if locked.status != AttemptStatus.IN_PROGRESS:
        return locked, False
    if now >= locked.deadline:
        _submit_locked(locked, SubmitReason.DEADLINE, now)
        return locked, False
    return locked, True


def _closed_error(attempt: Attempt) -> AttemptClosed:
    if attempt.submit_reason == SubmitReason.DEADLINE:
        return AttemptClosed("Time is up: your test was submitted automatically.")
    return AttemptClosed("This test has been submitted; answers can no longer change.")


def answer_save(
    attempt: Attempt,
    position: int,
    response: Any,
    client_revision: int,
    *,
    now: datetime | None = None,
    from_page: bool = False,
) -> Answer:
    """Save a response to question `position` if the client saw the latest revision.
    `from_page`: the candidate's page posted it, choices as their opaque values.

    Raises `StaleRevision` (with the current answer) when another tab saved first,
    `AttemptClosed` once submitted or past the deadline, `ResponseInvalid`."""
    now = now or timezone.now()
    with transaction.atomic():
        locked, is_open = _lock_open(attempt, now)
        if is_open:
            try:
                answer = (
                    Answer.objects.select_for_update()
                    .select_related("question_version")
                    .get(attempt=locked, position=position)
                )
            except Answer.DoesNotExist:
                raise ResponseInvalid("No such question in this test.") from None
            if answer.score is not None:
                # Only a confirmed adaptive question has a score before submission.
                raise AnswerConfirmed(
                    "This answer was confirmed: an adaptive section does not go back."
                )
            if from_page and answer.kind in CHOICE_KINDS:
                response = _choice_indices(answer, response)
            clean = _response_clean(answer, response)
            if client_revision != answer.revision:
                raise StaleRevision(answer)
            if clean != answer.response:
                answer.response = clean
                answer.revision += 1
                answer.saved_at = now
                answer.save(update_fields=["response", "revision", "saved_at"])
            return answer
    # Outside the atomic block: the deadline submission above must commit.
    raise _closed_error(locked)


def adaptive_confirm(
    attempt: Attempt, position: int, *, now: datetime | None = None
) -> Answer | None:
    """Confirm the adaptive question at `position` with its saved response: score it,
    record the estimate after it, and draw the next question (returned; None when the
    adaptive sections are over)."""

    now = now or timezone.now()
    with transaction.atomic():
        locked, is_open = _lock_open(attempt, now)
        if is_open:
            pending = adaptive_pending(locked)
            if pending is None or pending.position != position:
                raise AnswerConfirmed("This question is not waiting to be confirmed.")
            answer_score_now(pending, now)
            adaptive_record_step(locked, pending, now)
            return adaptive_advance(locked)
    raise _closed_error(locked)


def attempt_close_if_due(attempt: Attempt, *, now: datetime | None = None) -> Attempt:
    """Submit the attempt if its deadline has passed (the "on next access" path)."""
    now = now or timezone.now()
    if attempt.status == AttemptStatus.IN_PROGRESS and now >= attempt.deadline:
        with transaction.atomic():
            locked, _ = _lock_open(attempt, now)
        return locked
    return attempt


def _submit_locked(locked: Attempt, reason: str, now: datetime) -> None:

    locked.status = AttemptStatus.SUBMITTED
    locked.submitted_at = min(now, locked.deadline) if reason == SubmitReason.DEADLINE else now
    locked.submit_reason = reason
    locked.save(update_fields=["status", "submitted_at", "submit_reason"])
    answers_score_on_submit(locked, now)
    attempt_refresh_result(locked, now=now)


def attempt_submit(
    attempt: Attempt, *, reason: str = SubmitReason.CANDIDATE, now: datetime | None = None
) -> Attempt:
    """Submit the attempt: final and idempotent (a second call changes nothing).

    Choice and numeric answers are scored now; coding answers are stored as submissions
    and queued for the grader once the transaction commits."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.status == AttemptStatus.IN_PROGRESS:
            if now >= locked.deadline:
                reason = SubmitReason.DEADLINE
            _submit_locked(locked, reason, now)
    return locked


def attempts_submit_expired(*, now: datetime | None = None) -> int:
    """Submit every attempt past its deadline (the periodic task); returns how many."""
    now = now or timezone.now()
    due = Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline__lte=now).values_list(
        "pk", flat=True
    )
    count = 0
    for pk in list(due):
        with transaction.atomic():
            locked = Attempt.objects.select_for_update().get(pk=pk)
            if locked.status == AttemptStatus.IN_PROGRESS:
                _submit_locked(locked, SubmitReason.DEADLINE, now)
                count += 1
    return count


# --- "Run sample tests" -----------------------------------------------------------------


def sample_run_start(attempt: Attempt, position: int, source: str, *, now: datetime | None = None):
    """Queue the public sample tests for the code in the editor; rate-limited per attempt."""
    from grader.models import Submission
    from grader.routing import submissions_enqueue

    now = now or timezone.now()
    with transaction.atomic():
        locked, is_open = _lock_open(attempt, now)
        if is_open:
            try:
                answer = Answer.objects.select_related("question_version").get(
                    attempt=locked, position=position
                )
            except Answer.DoesNotExist:
                raise ResponseInvalid("No such question in this test.") from None
            if answer.kind != Kind.CODING:
                raise ResponseInvalid("Only coding questions have sample tests.")
            source = _response_clean(answer, source) or ""
            window = now - timedelta(seconds=60)
            recent = list(
                Submission.objects.filter(
                    answer__attempt=locked, public_only=True, created_at__gt=window
                )
                .order_by("created_at")
                .values_list("created_at", flat=True)
            )
            limit = settings.ASSESS_SAMPLE_RUNS_PER_MINUTE
            if len(recent) >= limit:
                wait = max(1, int((recent[-limit] - window).total_seconds()) + 1)
                raise RateLimited(
                    f"You can run the sample tests {limit} times a minute; try again in {wait} s.",
                    wait,
                )
            submission = Submission.objects.create(
                answer=answer,
                problem=answer.question_version.content["problem"],
                source=source,
                public_only=True,
            )
            transaction.on_commit(lambda: submissions_enqueue([submission.pk]))
            return submission
    raise _closed_error(locked)
