from django.apps import AppConfig


class AssessApiConfig(AppConfig):
    """The REST API for applicant-tracking systems and the outgoing webhooks."""

    name = "assess.api"
    label = "assess_api"
    verbose_name = "API and webhooks"
    default_auto_field = "django.db.models.BigAutoField"
