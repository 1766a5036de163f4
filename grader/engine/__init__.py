"""The grading engine: problems, the sandbox, checks against normcore, the diagnosis.

It imports neither Django nor Celery (nor ``assess`` or ``quizzes``): the command line
(``python -m grader``), the benchmark and the Celery tasks all call
:func:`grade_submission`, and only the thin Django layer in ``grader/`` stores its report.
"""

from grader.engine.devices import CPU_DEVICE, CUDA_DEVICE, FAKE_GPU_DEVICE
from grader.engine.grading import grade_submission, warm_up
from grader.engine.report import (
    ACCEPTED,
    INTERNAL_ERROR,
    INVALID_SUBMISSION,
    VERDICT_LABELS,
    VERDICTS,
    WRONG_ANSWER,
    Report,
)

__all__ = [
    "ACCEPTED",
    "CPU_DEVICE",
    "CUDA_DEVICE",
    "FAKE_GPU_DEVICE",
    "INTERNAL_ERROR",
    "INVALID_SUBMISSION",
    "VERDICT_LABELS",
    "VERDICTS",
    "WRONG_ANSWER",
    "Report",
    "grade_submission",
    "warm_up",
]
