"""Thin Celery tasks of the privacy feature."""

from celery import shared_task


@shared_task(name="assess.privacy.apply_retention", ignore_result=True)
def apply_retention() -> str:
    """Erase what every organization's retention periods say is due (daily)."""
    from .retention import retention_apply

    return str(retention_apply())
