"""Celery tasks of the assessment flow."""

import socket

from celery import shared_task


@shared_task(name="assess.ping")
def ping() -> dict:
    """Answer from a live worker: used by health checks and the wiring test."""
    return {"pong": True, "host": socket.gethostname()}
