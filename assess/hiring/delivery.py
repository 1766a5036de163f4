"""Invitation emails: queued with the invitation, sent by a Celery task in batches over one
SMTP connection, with a delivery state per invitation that the recruiter sees and retries.

The link is a credential. It stays sealed (assess.sealing) on the invitation row until the
mail server accepts the email, then it is erased; the task carries only invitation ids,
and no log line names the link (assess.logredact).
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..envconfig import UNSENT_EMAIL_BACKENDS
from ..sealing import seal, unseal
from .models import EmailDelivery, Invitation

logger = logging.getLogger(__name__)

# One SMTP connection per batch: a CSV of 500 candidates is ten tasks, not 500 logins.
BATCH_SIZE = 50
ERROR_CHARS = 300


def emails_go_out() -> bool:
    """Whether the configured backend delivers email at all (console and locmem do not:
    `make run`); when it does not, the recruiter hands each link over themselves."""
    return settings.EMAIL_BACKEND not in UNSENT_EMAIL_BACKENDS


def invitation_subject(title: str) -> str:
    """One header line whatever the title holds (titles with line breaks are refused on
    input; one saved before that rule is collapsed here)."""
    return "Your test: " + " ".join(title.split())


def invitation_email(invitation: Invitation, link: str) -> EmailMessage:
    """The invitation, or a reminder when a link was emailed before (a resend or a
    reminder: both go only to candidates who have not started); with the candidate's
    extra time and the recruiter's own message."""
    assessment = invitation.assessment
    minutes = assessment.time_limit_minutes + invitation.extra_minutes
    reminder = invitation.send_count > 0
    opening = (
        f'A reminder: {assessment.organization.name} invited you to take the test "{assessment.title}", '
        "and you have not started it yet"
        if reminder
        else f'{assessment.organization.name} invites you to take the test "{assessment.title}"'
    )
    message = assessment.invitation_message.strip()
    body = (
        f"Hello {invitation.candidate_name},\n\n"
        f"{opening} ({minutes} minutes once you start).\n\n"
        + (f"{message}\n\n" if message else "")
        + f"Open your personal link:\n{link}\n\n"
        f"The link works until {invitation.expires_at:%d %B %Y %H:%M} UTC and only for you; "
        f"please do not share it.\n"
    )
    subject = invitation_subject(assessment.title)
    return EmailMessage(
        f"Reminder: {subject[0].lower()}{subject[1:]}" if reminder else subject,
        body,
        None,
        [invitation.candidate_email],
    )


def emails_queue(invitations: list[tuple[Invitation, str]]) -> None:
    """Seal each invitation's link and queue its email; the tasks are sent once the caller's
    transaction commits (a broker outage leaves them queued for the sweep)."""
    now = timezone.now()
    for invitation, link in invitations:
        Invitation.objects.filter(pk=invitation.pk).update(
            sealed_link=seal(link),
            delivery=EmailDelivery.QUEUED,
            delivery_error="",
            delivery_tries=0,
            delivery_queued_at=now,
        )
    ids = [invitation.pk for invitation, _ in invitations]
    transaction.on_commit(lambda: emails_enqueue(ids))


def emails_enqueue(ids: list[int]) -> int:
    """Hand the ids to Celery in batches; returns how many batches reached the broker."""
    sent = 0
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        try:
            send_invitation_emails.apply_async(args=[batch], queue=settings.ASSESS_EMAIL_QUEUE)
            sent += 1
        except Exception:  # any broker failure: the sweep queues them again
            logger.exception("could not queue %d invitation emails", len(batch))
    return sent


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _failure(exc: Exception) -> tuple[bool, str]:
    """(worth retrying, what the recruiter reads): SMTP 4xx answers and connection failures
    are transient; a 5xx refusal is final."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()))
        return code < 500, f"The mail server refused the address ({code} {_text(reply)})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return (
            exc.smtp_code < 500,
            f"The mail server answered {exc.smtp_code} {_text(exc.smtp_error)}",
        )
    if isinstance(exc, (smtplib.SMTPException, OSError)):
        return True, f"The mail server could not be reached ({type(exc).__name__})"
    return True, f"Sending failed ({type(exc).__name__})"


def _record_failure(invitation: Invitation, message: str, will_retry: bool) -> None:
    logger.warning("invitation %s: email not sent: %s", invitation.pk, message)
    Invitation.objects.filter(pk=invitation.pk).update(
        delivery=EmailDelivery.RETRYING if will_retry else EmailDelivery.FAILED,
        delivery_error=message[:ERROR_CHARS],
        delivery_tries=F("delivery_tries") + 1,
    )


def emails_send(ids: list[int], *, final_try: bool = False) -> list[int]:
    """Send the queued emails of these invitations over one connection. Returns the ids to
    try again later (transient failures); on the final try they are marked `failed`."""
    pending = list(
        Invitation.objects.filter(
            pk__in=ids, delivery__in=(EmailDelivery.QUEUED, EmailDelivery.RETRYING)
        ).select_related("assessment__organization")
    )
    if not pending:
        return []
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:
        transient, message = _failure(exc)
        retry = transient and not final_try
        for invitation in pending:
            _record_failure(invitation, message, retry)
        return [i.pk for i in pending] if retry else []
    retry_ids: list[int] = []
    try:
        for invitation in pending:
            link = unseal(invitation.sealed_link)
            if link is None:
                _record_failure(invitation, "The link could not be read: send a new link.", False)
                continue
            try:
                connection.send_messages([invitation_email(invitation, link)])
            except Exception as exc:
                transient, message = _failure(exc)
                _record_failure(invitation, message, transient and not final_try)
                if transient and not final_try:
                    retry_ids.append(invitation.pk)
                continue
            Invitation.objects.filter(pk=invitation.pk).update(
                delivery=EmailDelivery.SENT,
                sealed_link="",
                delivery_error="",
                delivery_tries=F("delivery_tries") + 1,
                sent_at=timezone.now(),
                send_count=F("send_count") + 1,
            )
    finally:
        connection.close()
    return retry_ids


def email_retry(invitation: Invitation) -> bool:
    """The recruiter's "Retry": send the same link again. False when there is no sealed
    link to send (it was delivered, or never emailed): send a new link instead."""
    updated = Invitation.objects.filter(
        pk=invitation.pk,
        delivery__in=(EmailDelivery.FAILED, EmailDelivery.RETRYING),
        attempt__isnull=True,
    ).exclude(sealed_link="")
    if not updated.update(
        delivery=EmailDelivery.QUEUED, delivery_error="", delivery_queued_at=timezone.now()
    ):
        return False
    transaction.on_commit(lambda: emails_enqueue([invitation.pk]))
    return True


def emails_requeue_stuck(*, now: datetime | None = None, grace: timedelta | None = None) -> int:
    """Queued emails whose task was lost (the broker was down when they were queued)."""
    now = now or timezone.now()
    grace = grace if grace is not None else timedelta(minutes=5)
    ids = list(
        Invitation.objects.filter(
            delivery=EmailDelivery.QUEUED, delivery_queued_at__lt=now - grace
        ).values_list("pk", flat=True)
    )
    if ids:
        Invitation.objects.filter(pk__in=ids).update(delivery_queued_at=now)
        emails_enqueue(ids)
    return len(ids)


# The Celery side: thin tasks over the functions above.
@shared_task(
    name="assess.send_invitation_emails",
    bind=True,
    max_retries=None,  # the limit is ASSESS_EMAIL_MAX_RETRIES, read when the task runs
    ignore_result=True,
)
def send_invitation_emails(self, invitation_ids: list[int]) -> int:
    """Send a batch of queued invitation emails; transient failures are retried with
    backoff, as a batch of their own."""
    final_try = self.request.retries >= settings.ASSESS_EMAIL_MAX_RETRIES
    retry = emails_send(invitation_ids, final_try=final_try)
    if retry:
        raise self.retry(args=[retry], countdown=min(30 * 2**self.request.retries, 1800))
    return len(invitation_ids)


@shared_task(name="assess.requeue_stuck_emails", ignore_result=True)
def requeue_stuck_emails() -> int:
    return emails_requeue_stuck()
