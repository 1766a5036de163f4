"""Where a submission is graded: the CPU queue, the GPU queue, or waiting for a GPU worker,
and sending it there."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.utils import timezone

from .models import Submission, SubmissionStatus

logger = logging.getLogger(__name__)


def announcements() -> dict:
    """Where this deployment's workers announce themselves: the keyword arguments of
    `grader.capability`'s announce / live_workers / gpu_alive / Heartbeat."""
    return {
        "broker_url": settings.CELERY_BROKER_URL,
        "folder": settings.GRADER_WORKERS_FOLDER or None,
    }


def gpu_alive_now() -> bool:
    """A GPU worker's announcement is live; a Redis failure counts as "no"."""
    from .capability import gpu_alive

    try:
        return gpu_alive(**announcements())
    except Exception:
        logger.exception("could not read the GPU workers' announcements")
        return False


def problem_placement(problem_slug: str) -> str:
    from grader.engine.problems import CPU, UnknownProblem, get_problem

    try:
        return get_problem(problem_slug).placement
    except UnknownProblem:
        return CPU  # graded (as an internal error) wherever it lands


def submission_queue(submission: Submission, *, gpu_is_alive: bool | None = None) -> str | None:
    """The Celery queue for a submission, or None when it must wait for a GPU worker.

    `cpu` problems go to the CPU queue; `gpu-preferred` ones to the GPU queue while a GPU
    worker is alive, else to the CPU queue (graded for correctness only); `gpu-required`
    ones to the GPU queue, or nowhere while no GPU worker is alive."""
    from grader.engine.problems import CPU, GPU_PREFERRED

    placement = problem_placement(submission.problem)
    if placement == CPU:
        return settings.GRADER_CPU_QUEUE
    alive = gpu_alive_now() if gpu_is_alive is None else gpu_is_alive
    if alive:
        return settings.GRADER_GPU_QUEUE
    return settings.GRADER_CPU_QUEUE if placement == GPU_PREFERRED else None


def submissions_enqueue(submission_ids: list[int]) -> int:
    """Queue a grading task per submission; returns how many reached the broker.

    A gpu-required submission with no GPU worker alive is marked `waiting_gpu` instead
    (the sweep queues it once one announces itself). A broker outage is logged and
    swallowed: the rows stay `queued` and the periodic sweep (`submissions_requeue_stuck`)
    queues them again."""
    from .tasks import grade_submission_task

    sent = 0
    alive: bool | None = None
    for submission in Submission.objects.filter(pk__in=submission_ids):
        if problem_placement(submission.problem) != "cpu" and alive is None:
            alive = gpu_alive_now()  # one look at Redis per batch
        queue = submission_queue(submission, gpu_is_alive=alive)
        if queue is None:
            Submission.objects.filter(pk=submission.pk, status=SubmissionStatus.QUEUED).update(
                status=SubmissionStatus.WAITING_GPU, queue=""
            )
            continue
        task_id = uuid.uuid4().hex
        # Recorded before sending: a worker may receive the message (and note that it holds
        # it) before this loop continues. A message that never got out is simply absent
        # from the broker, which the sweep treats as lost.
        Submission.objects.filter(pk=submission.pk).update(task_id=task_id)
        Submission.objects.filter(pk=submission.pk, status=SubmissionStatus.QUEUED).update(
            worker=""
        )
        try:
            grade_submission_task.apply_async(
                args=[submission.pk],
                queue=queue,
                task_id=task_id,
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
            )
        except Exception:  # any broker failure: the sweep will try again
            logger.exception("could not queue submission %s; the sweep will retry", submission.pk)
            continue
        Submission.objects.filter(pk=submission.pk, status=SubmissionStatus.WAITING_GPU).update(
            status=SubmissionStatus.QUEUED
        )
        Submission.objects.filter(pk=submission.pk).update(enqueued_at=timezone.now(), queue=queue)
        sent += 1
    return sent
