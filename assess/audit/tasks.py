"""Thin Celery tasks of the audit trail."""

from celery import shared_task


@shared_task(name="assess.audit.purge_expired", ignore_result=True)
def purge_expired() -> int:
    """Delete audit events past their organization's retention (daily)."""
    from .retention import audit_purge_expired

    return audit_purge_expired()
