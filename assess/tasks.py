"""Celery tasks of the assessment flow."""

import socket

from celery import shared_task

# The invitation emails' tasks live beside the email worker; imported here so that Celery's
# autodiscovery (which reads each app's `tasks` module) registers them.
from .hiring.delivery import requeue_stuck_emails, send_invitation_emails  # noqa: F401


@shared_task(name="assess.ping")
def ping() -> dict:
    """Answer from a live worker: used by health checks and the wiring test."""
    return {"pong": True, "host": socket.gethostname()}


@shared_task(name="assess.submit_expired_attempts", ignore_result=True)
def submit_expired_attempts() -> int:
    """Submit every attempt past its deadline (the candidate may have closed the tab)."""
    from .attempts.services import attempts_submit_expired

    return attempts_submit_expired()


@shared_task(name="assess.refresh_item_statistics", ignore_result=True)
def refresh_item_statistics() -> str:
    """Recompute the bank's item statistics and exposure from the attempts (periodic)."""
    from .review.item_responses import item_statistics_refresh

    return str(item_statistics_refresh())


@shared_task(name="assess.calibrate_items", ignore_result=True)
def calibrate_items() -> int:
    """Fit a new version of the bank's item parameters from every scored answer."""
    from .calibration.services import item_calibration_run

    return item_calibration_run().pk
