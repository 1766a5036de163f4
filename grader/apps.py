"""The Django app around the grading engine: the Submission rows and the Celery tasks.

Only this module, `models`, `services`, `tasks` and `migrations` import Django; the
engine (`grader.engine` and what it uses) stays free of it.
"""

from django.apps import AppConfig


class GraderConfig(AppConfig):
    name = "grader"
    label = "grader"
    verbose_name = "Grading"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the tasks by name in every process: `routing` sends the grading task
        # by its name, as it sits below the tasks module.
        from grader.engine.problems import set_resolver

        from . import tasks  # noqa: F401
        from .authored import resolve

        # An organization's authored problems are found by their slug like the catalog's.
        set_resolver(resolve)
