"""Thin Celery tasks around assess.api.webhooks."""

from celery import shared_task

from .webhooks import DeliveryRetry, deliveries_requeue_stuck, delivery_send


@shared_task(
    bind=True,
    name="assess.api.deliver_webhook",
    acks_late=True,
    max_retries=None,
    ignore_result=True,
)
def deliver_webhook(self, delivery_id: int) -> None:
    """Send one delivery; retried with the backoff `delivery_send` asks for.

    Not `autoretry_for`: the number of tries lives in the delivery row (it survives a
    redelivered message), and the backoff is read from settings at run time."""
    try:
        delivery_send(delivery_id)
    except DeliveryRetry as exc:
        raise self.retry(exc=exc, countdown=exc.countdown) from None


@shared_task(name="assess.api.requeue_stuck_deliveries", ignore_result=True)
def requeue_stuck_deliveries() -> int:
    return deliveries_requeue_stuck()
