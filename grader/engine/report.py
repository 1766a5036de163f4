"""The engine's vocabulary: the verdicts, a finding of the diagnosis (`Diagnosis`), one
case as graded (`CaseOutcome`) and the report of a grading (`Report`). Everything else in
the engine speaks it; it imports only the checks' rows and the problems' cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from grader.engine.checks import CheckResult
from grader.engine.problems import Case

ACCEPTED = "accepted"
WRONG_ANSWER = "wrong_answer"
RUNTIME_ERROR = "runtime_error"
TIME_LIMIT_EXCEEDED = "time_limit_exceeded"
MEMORY_LIMIT_EXCEEDED = "memory_limit_exceeded"
OUTPUT_LIMIT_EXCEEDED = "output_limit_exceeded"
INVALID_SUBMISSION = "invalid_submission"
INTERNAL_ERROR = "internal_error"
VERDICTS = (
    ACCEPTED,
    WRONG_ANSWER,
    RUNTIME_ERROR,
    TIME_LIMIT_EXCEEDED,
    MEMORY_LIMIT_EXCEEDED,
    OUTPUT_LIMIT_EXCEEDED,
    INVALID_SUBMISSION,
    INTERNAL_ERROR,
)
# The verdicts in words, for the people who read reports.
VERDICT_LABELS = {
    ACCEPTED: "Accepted",
    WRONG_ANSWER: "Wrong answer",
    RUNTIME_ERROR: "Runtime error",
    TIME_LIMIT_EXCEEDED: "Too slow (time limit exceeded)",
    MEMORY_LIMIT_EXCEEDED: "Too much memory (memory limit exceeded)",
    OUTPUT_LIMIT_EXCEEDED: "Too much output (output limit exceeded)",
    INVALID_SUBMISSION: "Not a valid submission",
    INTERNAL_ERROR: "Grading failed on our side (not counted against the candidate)",
}
# Exit status the job process uses when it ran out of memory outside the candidate's code.

NO_MATCH = "no known mistake matches"


# How sure a finding is, shown with it: "certain" for what the checks observed directly
# (a dtype, a modified input, a ValueError not raised), "high" when a variant of the
# reference reproduces every returned output, "medium" for a pattern of the failing cases
# (confined to one kind of case, a constant ratio).
CERTAIN, HIGH, MEDIUM = "certain", "high", "medium"


@dataclass(frozen=True)
class Diagnosis:
    slug: str | None
    title: str | None
    explanation: str
    confidence: str = MEDIUM

    def to_dict(self) -> dict:
        if self.slug is None:
            return {"slug": None, "explanation": self.explanation}
        return {
            "slug": self.slug,
            "title": self.title,
            "explanation": self.explanation,
            "confidence": self.confidence,
        }

    def with_evidence(self, confidence: str, evidence: str) -> Diagnosis:
        return Diagnosis(
            self.slug, self.title, f"{self.explanation} ({evidence}.)", confidence=confidence
        )


NONE = Diagnosis(None, None, NO_MATCH)


@dataclass
class Report:
    """The outcome of grading one submission; ``to_dict()`` is what gets stored and shown."""

    problem: str
    verdict: str
    score: float | None
    checks: list[CheckResult] = field(default_factory=list)
    diagnosis: Diagnosis = NONE
    elapsed_ms: int = 0
    message: str = ""
    stdout: str = ""
    stderr: str = ""
    # The first exception the candidate's code raised, as their own file's frames (the
    # sandbox strips the harness's): the console of a sample run shows it.
    traceback: str = ""
    public_only: bool = False
    # Tensor problems only: placement, device, speed and performance_score (gpu_grading).
    extra: dict = field(default_factory=dict)
    # Every finding (the diagnosis first): a wrong value and a modified input, for example.
    findings: list[Diagnosis] = field(default_factory=list)
    # The smallest input on which a wrong answer fails (grader.engine.shrink), or None.
    smallest_failing_case: dict | None = None
    # Per case, what came back (not stored: the diagnosis and the shrinking read it).
    outcomes: list[CaseOutcome] = field(default_factory=list, repr=False)

    @property
    def passed(self) -> bool:
        return self.verdict == ACCEPTED

    def to_dict(self) -> dict:
        return {
            "problem": self.problem,
            "verdict": self.verdict,
            "score": self.score,
            "public_only": self.public_only,
            "message": self.message,
            "checks": [c.to_dict() for c in self.checks],
            "diagnosis": self.diagnosis.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "smallest_failing_case": self.smallest_failing_case,
            "elapsed_ms": self.elapsed_ms,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "traceback": self.traceback,
            **self.extra,
        }

    def to_candidate_dict(self) -> dict:
        """``to_dict()`` as a candidate may see it (``candidate_report``)."""
        return candidate_report(self.to_dict())


def candidate_report(report: dict) -> dict:
    """A stored report as a candidate may see it: without what only a reviewer may see, a
    shrunk hidden input (a case not marked ``reviewer_only: False`` counts as hidden). The one
    place of the rule: sample runs, practice and the engine's candidate dict all use it."""
    shown = dict(report)
    if (shown.get("smallest_failing_case") or {}).get("reviewer_only", True):
        shown["smallest_failing_case"] = None
    return shown


@dataclass
class CaseOutcome:
    """One case as graded: its rows, the candidate's arrays, and how it ended."""

    index: int
    case: Case
    rows: list[CheckResult]
    got: dict[str, np.ndarray] | None
    raised: bool
    # Every returned value right (for an expect_error case: raised ValueError).
    correct: bool
