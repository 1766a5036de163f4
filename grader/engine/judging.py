"""Running a submission's job in the sandbox and judging what came back, case by case,
against the reference: the rows of checks, the verdict, the score and the findings.
"""

from __future__ import annotations

import logging
import signal

import numpy as np

from grader.engine.checks import (
    DTYPE_ROW,
    HOUSEKEEPING,
    INPUTS_ROW,
    RESULT,
    VALUE_ERROR_ROW,
    CheckResult,
    clip,
    compare_array,
)
from grader.engine.diagnosis import diagnose
from grader.engine.problems import Case, Problem
from grader.engine.report import (
    ACCEPTED,
    INTERNAL_ERROR,
    INVALID_SUBMISSION,
    MEMORY_LIMIT_EXCEEDED,
    NONE,
    OUTPUT_LIMIT_EXCEEDED,
    RUNTIME_ERROR,
    TIME_LIMIT_EXCEEDED,
    WRONG_ANSWER,
    CaseOutcome,
    Report,
)
from grader.engine.sandbox import (
    RunResult,
    SandboxPool,
    SandboxUnavailable,
)

logger = logging.getLogger(__name__)

_EXIT_OUT_OF_MEMORY = 86


def decode_source(source: str | bytes, limit: int) -> tuple[str | None, str]:
    """The submitted file as text, or None and why it cannot be read (too large, not UTF-8)."""
    if isinstance(source, bytes):
        if len(source) > limit:
            return None, f"the file is {len(source)} bytes; the limit is {limit}"
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})"
    if len(source.encode("utf-8", "surrogatepass")) > limit:
        return None, f"the file is larger than {limit} bytes"
    if source.startswith("\ufeff"):
        source = source[1:]
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        return None, "the file is not valid UTF-8 text"
    return source, ""


def run_job(
    problem: Problem, pool: SandboxPool, header: dict, arrays: dict
) -> tuple[RunResult, Report | None]:
    """Run one job in the sandbox; the second value is the ``internal_error`` report when the
    sandbox itself failed (the grade is retried, never counted as a pass or a fail)."""
    try:
        run = pool.run(header, arrays)
    except SandboxUnavailable:
        logger.exception("the sandbox is unavailable")
        run = RunResult(internal="sandbox unavailable")
    if not run.internal:
        return run, None
    logger.error("sandbox failure on %s: %s", problem.slug, run.internal)
    failed = Report(
        problem.slug,
        INTERNAL_ERROR,
        None,
        message="The grader failed; the submission will be graded again.",
    )
    return run, failed


def _excerpt(data: bytes) -> str:
    return clip(data.decode("utf-8", "replace"), 4000)


def error_text(error: dict) -> str:
    return clip(f"{error.get('type', 'Error')}: {error.get('message', '')}".strip())


def _first_traceback(import_phase: dict | None, case_headers: list[dict]) -> str:
    """The candidate's traceback of the first exception: loading the file, else the
    first case that raised. It comes from the sandbox, so it is clipped and must be text."""
    for header in [import_phase or {}, *case_headers]:
        error = header.get("error") if header.get("status") == "raised" else None
        text = error.get("traceback") if isinstance(error, dict) else None
        if isinstance(text, str) and text:
            return clip(text, 4000)
    return ""


def messages_by_case(run: RunResult, count: int) -> dict[int, tuple[dict, dict]]:
    """Each case's first answer from the sandbox, by case index (0 to ``count - 1``)."""
    by_case: dict[int, tuple[dict, dict]] = {}
    for header, arrays in run.messages:
        index = header.get("case")
        if isinstance(index, int) and 0 <= index < count and index not in by_case:
            by_case[index] = (header, arrays)
    return by_case


def evaluate(problem: Problem, cases: list[Case], run: RunResult, cpu_limit_s: float) -> Report:
    """Turn what came back from the sandbox into a verdict, check rows and a diagnosis."""
    report = Report(
        problem.slug, WRONG_ANSWER, 0.0, stdout=_excerpt(run.stdout), stderr=_excerpt(run.stderr)
    )
    phases = {h.get("phase"): h for h, _ in run.messages if "phase" in h}
    by_case = messages_by_case(run, len(cases))

    compile_phase = phases.get("compile")
    if compile_phase and compile_phase.get("status") == "syntax_error":
        report.verdict = INVALID_SUBMISSION
        report.message = "The file does not compile: " + error_text(compile_phase.get("error", {}))
        return report
    import_phase = phases.get("import")
    report.traceback = _first_traceback(import_phase, [by_case[i][0] for i in sorted(by_case)])
    if import_phase and import_phase.get("status") == "missing_function":
        missing = ", ".join(str(n) for n in import_phase.get("missing", []))[:300]
        report.verdict = INVALID_SUBMISSION
        report.message = f"The file does not define the function(s): {missing}"
        return report

    raised = False
    for index, case in enumerate(cases):
        rows, got, case_raised = check_case(problem, case, by_case.get(index))
        report.checks += rows
        raised |= case_raised
        correct = all(r.passed for r in rows if r.kind == RESULT or case.expect_error)
        report.outcomes.append(CaseOutcome(index, case, rows, got, case_raised, correct))
    passed = sum(c.passed for c in report.checks)
    report.score = score(report.outcomes)

    finished = "done" in phases
    failure = job_failure(run, phases, cpu_limit_s)
    if failure is not None:
        report.verdict, report.message = failure
    elif raised:
        report.verdict = RUNTIME_ERROR
        first = next(c for c in report.checks if c.message.startswith("raised"))
        report.message = f"{first.name}: {first.message}"
    elif passed == len(report.checks):
        report.verdict = ACCEPTED
        report.score = 1.0
        report.message = f"All {passed} checks passed."
    else:
        report.verdict = WRONG_ANSWER
        report.message = _wrong_answer_summary(report.outcomes)
    if report.verdict in (WRONG_ANSWER, RUNTIME_ERROR) and finished:
        report.findings = diagnose(problem, report.outcomes)
        report.diagnosis = report.findings[0] if report.findings else NONE
    if (
        report.verdict in (TIME_LIMIT_EXCEEDED, MEMORY_LIMIT_EXCEEDED, OUTPUT_LIMIT_EXCEEDED)
        and not finished
    ):
        report.score = 0.0 if not by_case else report.score
    return report


def job_failure(run: RunResult, phases: dict, cpu_limit_s: float) -> tuple[str, str] | None:
    """The verdict and message of a job that failed as a whole (a limit, loading the file
    raised, a corrupt channel, an early end), or None when it ran to the end. The author's
    reference is judged by the same rules (grader.engine.authored.build)."""
    import_phase = phases.get("import")
    memory_error = (
        run.memory_exceeded
        or run.exit_code == _EXIT_OUT_OF_MEMORY
        or any(h.get("error", {}).get("is_memory_error") for h, _ in run.messages)
    )
    cpu_exceeded = run.exit_code in (-signal.SIGXCPU, -signal.SIGKILL) and run.cpu_s >= cpu_limit_s
    if run.output_exceeded or run.result_exceeded:
        return (
            OUTPUT_LIMIT_EXCEEDED,
            "The submission printed or returned more than the output limit.",
        )
    if memory_error:
        return MEMORY_LIMIT_EXCEEDED, "The submission ran out of memory."
    if run.timed_out or cpu_exceeded:
        return TIME_LIMIT_EXCEEDED, "The submission ran past the time limit."
    if import_phase and import_phase.get("status") == "raised":
        return RUNTIME_ERROR, "Loading the file raised " + error_text(import_phase.get("error", {}))
    if run.corrupt:
        return RUNTIME_ERROR, "The submission interfered with the grader's result channel."
    if "done" not in phases:
        return RUNTIME_ERROR, _how_it_ended(run)
    return None


def _wrong_answer_summary(outcomes: list[CaseOutcome]) -> str:
    """In words: how many test cases came out wrong, and which housekeeping checks failed."""
    results = [o for o in outcomes if not o.case.expect_error]
    wrong = sum(not o.correct for o in results)
    parts = []
    if wrong:
        parts.append(f"Wrong result on {wrong} of {len(results)} test cases.")
    else:
        parts.append(f"Every result is right ({len(results)} test cases), but:")
    failed = {
        row.name.rsplit(": ", 1)[-1]
        for o in outcomes
        for row in o.rows
        if row.kind == HOUSEKEEPING and not row.passed
    }
    words = {
        DTYPE_ROW: "an output has the wrong dtype",
        INPUTS_ROW: "an input array was modified",
        VALUE_ERROR_ROW: "a required ValueError was not raised",
    }
    parts += [words[k][0].upper() + words[k][1:] + "." for k in words if k in failed]
    return " ".join(parts)


# Housekeeping failures cost this much each (inputs modified, wrong dtype, a missing
# ValueError): small next to the results, and never an accepted verdict.
HOUSEKEEPING_PENALTY = 0.1


def score(outcomes: list[CaseOutcome]) -> float:
    """The weighted share of result cases whose every output is right, less a small
    penalty per kind of housekeeping check that failed (docs/grader.md, "Scoring")."""
    total = sum(o.case.weight for o in outcomes if not o.case.expect_error)
    earned = sum(o.case.weight for o in outcomes if not o.case.expect_error and o.correct)
    failed_kinds = set()
    for o in outcomes:
        for row in o.rows:
            if row.kind == HOUSEKEEPING and not row.passed:
                failed_kinds.add(row.name.rsplit(": ", 1)[-1])
    share = earned / total if total else 0.0
    return round(max(0.0, share * (1 - HOUSEKEEPING_PENALTY * len(failed_kinds))), 4)


def _how_it_ended(run: RunResult) -> str:
    code = run.exit_code
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"The process was killed by {name} before finishing."
    return f"The process exited (status {code}) before finishing."


def check_case(
    problem: Problem,
    case: Case,
    message: tuple[dict, dict] | None,
    expected: dict[str, np.ndarray] | None = None,
) -> tuple[list[CheckResult], dict[str, np.ndarray] | None, bool]:
    """Rows for one case, the candidate's arrays (for the diagnosis) and whether it raised."""
    name = case.name
    if case.expect_error:
        row = CheckResult(f"{name}: {VALUE_ERROR_ROW}", False, kind=HOUSEKEEPING)
        if message is None:
            row.message = "not run: the process ended before this case"
        else:
            header = message[0]
            error = header.get("error") or {}
            if header.get("status") == "raised" and error.get("is_value_error") is True:
                row.passed = True
            elif header.get("status") == "raised":
                row.message = "raised " + error_text(error) + ", expected ValueError"
            else:
                row.message = "returned normally; expected ValueError"
        return [row], None, False

    labels = [f"{name}: {output}" for output in case.outputs]
    housekeeping = [f"{name}: {DTYPE_ROW}", f"{name}: {INPUTS_ROW}"]

    def all_failed(text: str) -> list[CheckResult]:
        # Nothing came back: dtype and inputs cannot be judged, so they get no rows.
        return [CheckResult(label, False, message=text) for label in labels]

    if message is None:
        return all_failed("not run: the process ended before this case"), None, False
    header, arrays = message
    status = header.get("status")
    if status == "raised":
        return all_failed("raised " + error_text(header.get("error") or {})), None, True
    if status != "ok":
        text = clip(str(header.get("message", "returned something unexpected")))
        return all_failed(text), None, False

    expected = problem.expected(case) if expected is None else expected
    described = header.get("outputs") if isinstance(header.get("outputs"), dict) else {}
    rows = []
    got: dict[str, np.ndarray] = {}
    wrong_dtypes = []
    for output, label in zip(case.outputs, labels, strict=True):
        array = arrays.get("out/" + output)
        if array is None:
            what = clip(str(described.get(output, "nothing")), 300)
            rows.append(CheckResult(label, False, message=f"returned {what}"))
            continue
        got[output] = array
        integer = output in case.int_outputs
        if not integer and array.dtype.kind == "f" and array.dtype != np.dtype(case.dtype):
            wrong_dtypes.append(f"{output} is {array.dtype}")
        rows.append(
            compare_array(
                label,
                array,
                expected[output],
                case.dtype,
                case.tolerance,
                integer=integer,
                check_dtype=False,
            )
        )
    dtype_row = CheckResult(housekeeping[0], not wrong_dtypes, kind=HOUSEKEEPING)
    if wrong_dtypes:
        dtype_row.message = f"expected {case.dtype}: " + ", ".join(wrong_dtypes)
    rows.append(dtype_row)
    rows.append(_check_inputs(housekeeping[1], case, header, arrays))
    return rows, got, False


def _check_inputs(label: str, case: Case, header: dict, arrays: dict) -> CheckResult:
    """Compare the inputs as the job saw them after its calls with what we sent."""
    echo = header.get("echo")
    blob = arrays.get("echo")
    if not isinstance(echo, list) or blob is None or blob.dtype != np.uint8 or blob.ndim != 1:
        return CheckResult(
            label, False, message="the inputs could not be checked", kind=HOUSEKEEPING
        )
    data = blob.tobytes()
    offset = 0
    changed = []
    frozen = set(case.frozen_inputs)
    try:
        for name, dtype, shape in echo:
            before = case.inputs[name]
            size = before.nbytes
            after = data[offset : offset + size]
            offset += size
            same = (
                dtype == before.dtype.str
                and tuple(shape) == before.shape
                and after == before.tobytes()
            )
            if name in frozen and not same:
                changed.append(name)
    except (KeyError, TypeError, ValueError):
        return CheckResult(
            label, False, message="the inputs could not be checked", kind=HOUSEKEEPING
        )
    if offset != len(data):
        changed.append("(sizes)")
    if changed:
        text = "modified its input(s): " + ", ".join(changed)
        return CheckResult(label, False, message=text, kind=HOUSEKEEPING)
    return CheckResult(label, True, kind=HOUSEKEEPING)
