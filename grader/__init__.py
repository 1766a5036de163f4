"""Grading of candidates' coding answers: problems, sandbox, checks and diagnosis.

The engine imports neither Django nor Celery, so the command line, the Celery tasks and the
GPU worker share it. Entry point: :func:`grader.engine.grade_submission`. The Django layer
(models, services, tasks, worker announcements) lives beside the engine in this package.
"""
