"""One function says what can be offered (grader.routing.ungradable_problems), from the
live workers' announcements: torch or not, GPU or not, for hiring and for practice."""

from __future__ import annotations

import pytest

from grader.routing import (
    NEEDS_GPU,
    NEEDS_TORCH,
    NEEDS_TRITON,
    NO_GPU_IN_PRACTICE,
    ungradable_problems,
)
from quizzes.models import Pool
from quizzes.practice import PracticeError, practice_start

pytestmark = pytest.mark.django_db

# The Triton kernel problems: a GPU worker, or a CPU worker with torch and Triton (whose
# interpreter grades their correctness).
KERNELS = dict.fromkeys(("add-rmsnorm-triton", "rmsnorm-backward-triton"), NEEDS_TRITON)


def test_torch_and_gpu_problems_are_offered_only_while_a_capable_worker_is_alive(
    announced_worker,
):
    # No worker: NumPy problems stay offered (an outage, shown on the health panel); the
    # torch and GPU ones are not, and say why.
    no_torch = {"bn-forward-cuda": NEEDS_TORCH, "bn-relu-triton": NEEDS_GPU, **KERNELS}
    assert ungradable_problems() == no_torch
    announced_worker("celery@laptop", runtimes=("numpy",))  # `make run` without torch
    assert ungradable_problems() == no_torch
    assert ungradable_problems(practice=True) == {
        **no_torch,
        "bn-relu-triton": NO_GPU_IN_PRACTICE,
    }
    announced_worker("celery@torch", runtimes=("numpy", "torch"))
    assert ungradable_problems() == {"bn-relu-triton": NEEDS_GPU, **KERNELS}
    assert ungradable_problems(practice=True) == {"bn-relu-triton": NO_GPU_IN_PRACTICE, **KERNELS}
    announced_worker("celery@gpu", kind="gpu", runtimes=("numpy", "torch"))
    assert ungradable_problems() == {}


def test_a_cpu_worker_with_triton_offers_the_kernel_problems_to_hiring_and_practice(
    announced_worker,
):
    announced_worker("celery@triton", runtimes=("numpy", "torch", "triton"))
    # The GPU-required Triton problem still waits for a GPU: its point is speed.
    assert ungradable_problems() == {"bn-relu-triton": NEEDS_GPU}
    assert ungradable_problems(practice=True) == {"bn-relu-triton": NO_GPU_IN_PRACTICE}


def test_a_worker_that_cannot_sandbox_or_takes_other_queues_grades_nothing_extra(
    announced_worker,
):
    announced_worker("celery@practice-only", runtimes=("numpy", "torch"), queues=["practice-x"])
    assert "bn-forward-cuda" in ungradable_problems()
    announced_worker("celery@cpu-on-gpu-queue", runtimes=("numpy", "torch"), queues=["gpu"])
    assert "bn-relu-triton" in ungradable_problems()  # a CPU worker is no GPU


def _torch_practice_question():
    import textwrap

    from quizzes.bankfiles import question_from_yaml, save_question
    from quizzes.models import Topic
    from tests.assess import factories

    factories.make_topics()
    item = question_from_yaml(
        textwrap.dedent(
            """
            id: p-torch-bn
            kind: coding
            topic: normalization-operation
            level: mid
            problem: bn-forward-cuda
            prompt: Batch norm with torch tensors.
            explanation: Per channel.
            """
        )
    )
    question, _, _ = save_question(item, Topic.objects.get(slug=item.topic))
    type(question).objects.filter(pk=question.pk).update(pool=Pool.PRACTICE)


def test_practice_never_draws_a_problem_no_worker_can_grade(announced_worker):
    _torch_practice_question()
    announced_worker("celery@laptop", runtimes=("numpy",))
    with pytest.raises(PracticeError, match="no practice questions"):
        practice_start(None, "mid", 5)
    announced_worker("celery@torch", runtimes=("numpy", "torch"))
    assert len(practice_start(None, "mid", 5).items) == 1


def test_a_practice_run_of_a_problem_no_worker_can_grade_is_refused_with_why(announced_worker):
    from grader import capability
    from quizzes.models import PracticeRun
    from quizzes.practice_code import practice_code_submit

    _torch_practice_question()
    announced_worker("celery@torch", runtimes=("numpy", "torch"))
    run = practice_start(None, "mid", 5)
    capability.withdraw("celery@torch", folder=announced_worker.folder)  # the worker left
    with pytest.raises(PracticeError, match="cannot be graded on this site right now: it needs"):
        practice_code_submit(run, 0, "import torch\n", "visitor")
    assert PracticeRun.objects.get(pk=run.pk).answers == {}
