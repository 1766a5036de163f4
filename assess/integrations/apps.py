from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Applicant-tracking systems (Greenhouse first) connected to an organization: the
    endpoints they call, the results we send back, and the log of every exchange."""

    name = "assess.integrations"
    label = "assess_integrations"
    verbose_name = "Applicant-tracking systems"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assess.attempts.signals import attempt_graded, attempt_started

        from .pushes import on_attempt_graded, on_attempt_started

        # Sent when an attempt is first graded and again after a reviewer changes a score.
        attempt_graded.connect(
            on_attempt_graded, dispatch_uid="assess.integrations.pushes.on_attempt_graded"
        )
        attempt_started.connect(
            on_attempt_started, dispatch_uid="assess.integrations.pushes.on_attempt_started"
        )
