from django.apps import AppConfig


class AssessConfig(AppConfig):
    name = "assess"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from grader.signals import submission_finalized

        from .attempts.models import Attempt
        from .scoring import on_attempt_saved, on_submission_finalized

        submission_finalized.connect(
            on_submission_finalized, dispatch_uid="assess.scoring.on_submission_finalized"
        )
        # The points are frozen by scoring (their one home) as an attempt is created.
        post_save.connect(
            on_attempt_saved, sender=Attempt, dispatch_uid="assess.scoring.on_attempt_saved"
        )
