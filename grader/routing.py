"""Where a submission is graded: the CPU queue, the GPU queue, or waiting for a GPU worker,
and sending it there."""

from __future__ import annotations

import logging
import uuid

from celery import current_app
from django.conf import settings
from django.utils import timezone

from .models import Submission, SubmissionStatus

logger = logging.getLogger(__name__)

# The grading task by its registered name: grader/tasks.py defines it and calls into this
# module, so this module cannot import it; GraderConfig.ready imports the tasks in every
# process, so the name is always registered.
GRADE_SUBMISSION_TASK = "grader.grade_submission"


def announcements() -> dict:
    """Where this deployment's workers announce themselves: the keyword arguments of
    `grader.capability`'s announce / live_workers / gpu_alive / Heartbeat."""
    return {
        "broker_url": settings.CELERY_BROKER_URL,
        "folder": settings.GRADER_WORKERS_FOLDER or None,
    }


def live_workers_now() -> list[dict]:
    """The live workers' announcements; none when they cannot be read (logged)."""
    from .capability import live_workers

    try:
        return live_workers(**announcements())
    except Exception:
        logger.exception("could not read the grading workers' announcements")
        return []


def gpu_alive_now() -> bool:
    """A GPU worker's announcement is live; a Redis failure counts as "no"."""
    return any(w.get("kind") == "gpu" for w in live_workers_now())


def problem_placement(problem_slug: str) -> str:
    from grader.engine.problems import CPU, UnknownProblem, get_problem

    try:
        return get_problem(problem_slug).placement
    except UnknownProblem:
        return CPU  # graded (as an internal error) wherever it lands


def problem_interpreted(problem_slug: str) -> bool:
    """A Triton problem that a CPU worker may grade through Triton's interpreter (not a
    GPU-required one: that one waits for a GPU)."""
    from grader.engine.problems import GPU_REQUIRED, UnknownProblem, get_problem

    try:
        problem = get_problem(problem_slug)
    except UnknownProblem:
        return False
    return problem.interpreter and problem.placement != GPU_REQUIRED


# Why a problem cannot be graded now, in words a recruiter and a visitor understand.
NEEDS_TORCH = "it needs a grading worker with PyTorch, and none is running"
NEEDS_GPU = "it needs a GPU grading worker, and none is running"
NO_GPU_IN_PRACTICE = "it needs a GPU, and practice code is never graded on one"
NEEDS_TRITON = (
    "it needs a GPU grading worker, or a CPU worker with PyTorch and Triton (its "
    "interpreter), and none is running"
)


def _baseline(problem) -> bool:
    """NumPy on a CPU: what every worker build grades (NumPy is a dependency of the
    project). Offered even while no worker is up: that is an outage the health panel
    shows, and the answers wait queued, not a capability the platform lacks."""
    from grader.engine.problems import CPU
    from grader.engine.sandbox import NUMPY

    return problem.placement == CPU and problem.runtime == NUMPY


def cpu_runtime(problem) -> str:
    """What a CPU worker's sandbox must run to grade ``problem``: its runtime, or Triton
    for a Triton problem (its kernels then run in Triton's interpreter: correctness only)."""
    return "triton" if problem.interpreter else problem.runtime


def problem_queue(problem, workers: list[dict]) -> str | None:
    """The hiring queue whose live workers can grade ``problem`` (an engine Problem): the
    GPU queue while a capable GPU worker is alive and the problem wants one, else the CPU
    queue when a capable CPU worker is alive (gpu-preferred work is then graded for
    correctness only); None when no live worker can grade it (it waits)."""
    from grader.engine.problems import CPU, GPU_REQUIRED

    from .capability import can_grade

    if _baseline(problem):
        return settings.GRADER_CPU_QUEUE
    queue = settings.GRADER_GPU_QUEUE
    if problem.placement != CPU and any(
        can_grade(w, queue=queue, runtime=problem.runtime, gpu=True) for w in workers
    ):
        return queue
    queue = settings.GRADER_CPU_QUEUE
    if problem.placement != GPU_REQUIRED and any(
        can_grade(w, queue=queue, runtime=cpu_runtime(problem)) for w in workers
    ):
        return queue
    return None


def ungradable_problems(
    *, practice: bool = False, organization=None, workers: list[dict] | None = None
) -> dict[str, str]:
    """Every problem that no live worker can grade now, with why: the one answer to "may
    this problem be offered?" that practice, the builder, the API, the draws and the
    invitation gate all ask. From the workers' announcements (torch or not, GPU or not);
    ``practice``: for visitors' practice code (CPU tensors only, the practice queue);
    ``organization``: a GPU-only problem also needs the organization's GPU grading on."""
    from grader.engine.problems import GPU_REQUIRED, list_problems

    from .capability import can_grade

    workers = live_workers_now() if workers is None else workers
    gaps: dict[str, str] = {}
    for problem in list_problems():
        if _baseline(problem):
            continue
        if practice:
            if problem.placement == GPU_REQUIRED:
                gaps[problem.slug] = NO_GPU_IN_PRACTICE
            elif not any(
                can_grade(
                    w,
                    queue=settings.PRACTICE_CODE_QUEUE,
                    runtime=cpu_runtime(problem),
                    practice=True,
                )
                for w in workers
            ):
                gaps[problem.slug] = NEEDS_TRITON if problem.interpreter else NEEDS_TORCH
            continue
        if (
            problem.placement == GPU_REQUIRED
            and organization is not None
            and not organization.gpu_grading
        ):
            gaps[problem.slug] = (
                f"it needs a GPU worker, and GPU grading is off for {organization.name}"
            )
        elif problem_queue(problem, workers) is None:
            gaps[problem.slug] = (
                NEEDS_GPU
                if problem.placement == GPU_REQUIRED
                else NEEDS_TRITON
                if problem.interpreter
                else NEEDS_TORCH
            )
    return gaps


def submission_queue(submission: Submission, *, workers: list[dict] | None = None) -> str | None:
    """The Celery queue for a submission (``problem_queue``), or None when it must wait
    for a capable worker."""
    from grader.engine.problems import UnknownProblem, get_problem

    try:
        problem = get_problem(submission.problem)
    except UnknownProblem:
        return settings.GRADER_CPU_QUEUE  # graded (as an internal error) wherever it lands
    return problem_queue(problem, live_workers_now() if workers is None else workers)


def submissions_enqueue(submission_ids: list[int]) -> int:
    """Queue a grading task per submission; returns how many reached the broker.

    A submission no live worker can grade (a GPU-only problem without a GPU worker, a
    torch problem without a worker that has torch) is marked `waiting_gpu`, "waiting for a
    capable worker", instead (the sweep queues it once one announces itself). A broker outage is logged and
    swallowed: the rows stay `queued` and the periodic sweep (`submissions_requeue_stuck`)
    queues them again."""
    sent = 0
    workers = live_workers_now() if submission_ids else []  # one look at Redis per batch
    for submission in Submission.objects.filter(pk__in=submission_ids):
        queue = submission_queue(submission, workers=workers)
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
            current_app.tasks[GRADE_SUBMISSION_TASK].apply_async(
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
