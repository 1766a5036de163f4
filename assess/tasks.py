"""Celery tasks of the assessment flow."""

import socket

from celery import shared_task


@shared_task(name="assess.ping")
def ping() -> dict:
    """Answer from a live worker: used by health checks and the wiring test."""
    return {"pong": True, "host": socket.gethostname()}


@shared_task(name="assess.submit_expired_attempts", ignore_result=True)
def submit_expired_attempts() -> int:
    """Submit every attempt past its deadline (the candidate may have closed the tab)."""
    from .attempts.services import attempts_submit_expired

    return attempts_submit_expired()


@shared_task(name="assess.calibrate_items", ignore_result=True)
def calibrate_items() -> int:
    """Fit a new version of the bank's item parameters from every scored answer."""
    from .calibration.services import item_calibration_run

    return item_calibration_run().pk
