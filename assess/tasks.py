"""Celery tasks of the assessment flow."""

import socket

from celery import shared_task
from django.conf import settings


@shared_task(name="assess.ping")
def ping() -> dict:
    """Answer from a live worker: used by health checks and the wiring test."""
    return {"pong": True, "host": socket.gethostname()}


@shared_task(name="assess.submit_expired_attempts", ignore_result=True)
def submit_expired_attempts() -> int:
    """Submit every attempt past its deadline (the candidate may have closed the tab)."""
    from .attempts.services import attempts_submit_expired

    return attempts_submit_expired()


@shared_task(
    name="assess.send_invitation_emails",
    bind=True,
    max_retries=None,  # the limit is ASSESS_EMAIL_MAX_RETRIES, read when the task runs
    ignore_result=True,
)
def send_invitation_emails(self, invitation_ids: list[int]) -> int:
    """Send a batch of queued invitation emails; transient failures are retried with
    backoff, as a batch of their own."""
    from .hiring.delivery import emails_send

    final_try = self.request.retries >= settings.ASSESS_EMAIL_MAX_RETRIES
    retry = emails_send(invitation_ids, final_try=final_try)
    if retry:
        raise self.retry(args=[retry], countdown=min(30 * 2**self.request.retries, 1800))
    return len(invitation_ids)


@shared_task(name="assess.requeue_stuck_emails", ignore_result=True)
def requeue_stuck_emails() -> int:
    from .hiring.delivery import emails_requeue_stuck

    return emails_requeue_stuck()


@shared_task(name="assess.refresh_item_statistics", ignore_result=True)
def refresh_item_statistics() -> str:
    """Recompute the bank's item statistics and exposure from the attempts (periodic)."""
    from .review.itemstats import item_statistics_refresh

    return str(item_statistics_refresh())
