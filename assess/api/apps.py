from django.apps import AppConfig


class AssessApiConfig(AppConfig):
    """The REST API for applicant-tracking systems and the outgoing webhooks."""

    name = "assess.api"
    label = "assess_api"
    verbose_name = "API and webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assess.attempts.signals import attempt_graded
        from assess.privacy.signals import candidate_erased

        from .webhooks import on_attempt_graded, on_candidate_erased

        attempt_graded.connect(
            on_attempt_graded, dispatch_uid="assess.api.webhooks.on_attempt_graded"
        )
        candidate_erased.connect(
            on_candidate_erased, dispatch_uid="assess.api.webhooks.on_candidate_erased"
        )
