"""Celery tasks around the grading engine: thin, each takes an id and calls a service."""

from celery import shared_task
from django.conf import settings

from grader.engine.authored import BuildUnavailable

# Importing it connects the workers' announcements to Celery's signals.
from . import worker
from .authored import BUILD_AUTHORED_TASK, authored_problem_build
from .grading import GradeRetry, submission_grade
from .routing import GRADE_SUBMISSION_TASK
from .sweep import submissions_requeue_stuck


@shared_task(
    name=GRADE_SUBMISSION_TASK,
    bind=True,
    # Acknowledge after grading, and put the message back when the worker process dies,
    # so a killed worker loses nothing; the final write happens once.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(GradeRetry,),
    retry_backoff=settings.GRADER_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=settings.GRADER_MAX_RETRIES,
    ignore_result=True,
)
def grade_submission_task(self, submission_id: int) -> dict:
    outcome = submission_grade(
        submission_id,
        final_try=self.request.retries >= self.max_retries,
        holder=worker.identity(self.request.hostname),
        task_id=self.request.id or "",
    )
    return {"submission": outcome.submission_id, "status": outcome.status, "wrote": outcome.wrote}


@shared_task(
    name=BUILD_AUTHORED_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(BuildUnavailable,),
    retry_backoff=settings.GRADER_RETRY_BACKOFF_SECONDS,
    max_retries=settings.GRADER_MAX_RETRIES,
    ignore_result=True,
)
def build_authored_problem_task(problem_id: int) -> str:
    row = authored_problem_build(problem_id)
    return row.status if row else "missing"


@shared_task(name="grader.requeue_stuck_submissions", ignore_result=True)
def requeue_stuck_submissions() -> int:
    return submissions_requeue_stuck()
