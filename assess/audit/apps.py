from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit trail of security-relevant events."""

    name = "assess.audit"
    label = "assess_audit"
    verbose_name = "Audit trail"
    default_auto_field = "django.db.models.BigAutoField"
