"""The question bank's Celery tasks, defined beside the code that queues them and imported
here so that Celery's autodiscovery registers them."""

from .practice_code import practice_grade_task  # noqa: F401
