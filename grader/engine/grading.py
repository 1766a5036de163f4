"""Grade one submission: dispatch it to the tensor grading or run it in the sandbox, judge
it against normcore (`judging`), and explain a wrong answer (the probes, the shrinking).

``grade_submission`` is the one entry point of the command line, the Celery tasks and
the GPU worker. The verdicts and the report are `report`'s.
"""

from __future__ import annotations

import logging
import time

from grader.engine.devices import CPU_DEVICE
from grader.engine.judging import decode_source, evaluate, run_job
from grader.engine.problems import Problem, get_problem
from grader.engine.problems.base import cases_job
from grader.engine.report import (
    INTERNAL_ERROR,
    INVALID_SUBMISSION,
    RUNTIME_ERROR,
    WRONG_ANSWER,
    CaseOutcome,
    Report,
)
from grader.engine.sandbox import (
    HIRING,
    NoPracticeService,
    SandboxPool,
    get_pool,
)

logger = logging.getLogger(__name__)


def grade_submission(
    problem_slug: str,
    source: str | bytes,
    *,
    public_only: bool = False,
    pool: SandboxPool | None = None,
    device: str = CPU_DEVICE,
    purpose: str = HIRING,
) -> Report:
    """Grade ``source`` against ``problem_slug``'s hidden tests (or only its public samples).

    ``device`` matters for tensor problems only (``CPU_DEVICE``, ``CUDA_DEVICE``,
    ``FAKE_GPU_DEVICE``); ``pool`` then defaults to the tensor pool of that device.
    ``purpose`` (``sandbox.pool.HIRING`` or ``PRACTICE``) picks the grading service.

    Raises ``grader.engine.problems.UnknownProblem`` for an unknown slug and
    ``NoPracticeService`` when practice has no grading service of its own; every other
    failure is a verdict: ``internal_error`` when it is ours (retry later), never a pass or
    a fail.
    """
    started = time.monotonic()
    problem = get_problem(problem_slug)
    try:
        if problem.runtime == "torch":
            from grader.engine.gpu_grading import grade_tensor_problem

            report = grade_tensor_problem(
                problem, source, public_only, device, pool, purpose=purpose
            )
        else:
            report = _grade(problem, source, public_only, pool or get_pool(purpose=purpose))
    except NoPracticeService:
        raise  # not a failed grading: this deployment must not run the code (caller says so)
    except Exception:
        logger.exception("grading %s failed", problem_slug)
        report = Report(
            problem.slug,
            INTERNAL_ERROR,
            None,
            message="The grader failed; the submission will be graded again.",
        )
    report.public_only = public_only
    report.elapsed_ms = int((time.monotonic() - started) * 1000)
    return report


def _grade(problem: Problem, source: str | bytes, public_only: bool, pool: SandboxPool) -> Report:
    text, problem_text = decode_source(source, pool.config.source_bytes)
    if text is None:
        return Report(problem.slug, INVALID_SUBMISSION, 0.0, message=problem_text)
    cases = problem.cases(public_only=public_only)
    header, arrays = cases_job(text, problem.function_names, cases)
    run, failed = run_job(problem, pool, header, arrays)
    if failed is not None:
        return failed
    report = evaluate(problem, cases, run, pool.config.cpu_s)
    _probe_unexplained(problem, text, report, pool)
    failing = _case_to_shrink(report)
    if failing is not None:
        from grader.engine.shrink import smallest_failing_case

        # A hidden case's inputs are for the reviewer; a public sample's the candidate saw.
        report.smallest_failing_case = smallest_failing_case(
            problem, text, failing, pool, reviewer_only=not failing.case.public
        )
    return report


def _probe_unexplained(problem: Problem, source: str, report: Report, pool: SandboxPool) -> None:
    """Wrong values no known departure explains: say what the code does differently from
    the reference on changed copies of its smallest wrong case (one more sandbox job)."""
    if report.verdict != WRONG_ANSWER or report.diagnosis.slug is not None:
        return
    wrong = [o for o in report.outcomes if o.got is not None and not o.correct]
    if not wrong:
        return
    from grader.engine.probes import probe_behaviour

    finding = probe_behaviour(problem, source, wrong, pool)
    if finding is not None:
        report.findings = [finding, *report.findings[1:]]
        report.diagnosis = finding


def _case_to_shrink(report: Report) -> CaseOutcome | None:
    """The smallest case whose values are wrong (or that raised), for a wrong answer only."""
    if report.verdict not in (WRONG_ANSWER, RUNTIME_ERROR):
        return None
    failing = [
        o
        for o in report.outcomes
        if not o.case.expect_error and not o.correct and (o.got is not None or o.raised)
    ]
    if not failing:
        return None
    return min(failing, key=lambda o: sum(int(v.size) for v in o.case.inputs.values()))


def warm_up(problem_slugs: list[str] | None = None, pool: SandboxPool | None = None) -> None:
    """Start the sandbox and compute the references ahead of the first submission."""
    from grader.engine.problems import list_problems

    problems = [get_problem(s) for s in problem_slugs] if problem_slugs else list_problems()
    for problem in problems:
        for case in problem.cases():
            if not case.expect_error:
                problem.expected(case)
    (pool or get_pool()).start()
