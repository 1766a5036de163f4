from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Candidates' data: notice, retention, legal holds, export, erasure."""

    name = "assess.privacy"
    label = "assess_privacy"
    verbose_name = "Candidates' data"
    default_auto_field = "django.db.models.BigAutoField"
