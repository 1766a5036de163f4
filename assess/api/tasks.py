"""The API's Celery tasks, defined beside the code that queues them (`webhooks.py`) and
imported here so that Celery's autodiscovery registers them."""

from .webhooks import deliver_webhook, requeue_stuck_deliveries  # noqa: F401
