"""Celery tasks of the question bank: thin, each takes ids and calls a service."""

from celery import shared_task

from .practice_code import practice_code_grade


@shared_task(name="quizzes.practice_grade", ignore_result=True, acks_late=True)
def practice_grade_task(run_id: int, index: int, number: int) -> str:
    return practice_code_grade(run_id, index, number)
