from django.apps import AppConfig


class AssessConfig(AppConfig):
    name = "assess"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from grader.signals import submission_finalized

        from .attempts.workflow import on_submission_finalized

        submission_finalized.connect(
            on_submission_finalized, dispatch_uid="assess.attempts.workflow.on_submission_finalized"
        )
