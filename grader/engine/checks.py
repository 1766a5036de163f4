"""Comparing what came back from the sandbox with the reference, outside the sandbox."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

MESSAGE_CHARS = 1000
# Row kinds (CheckResult.kind) and the names of a case's housekeeping rows.
RESULT, HOUSEKEEPING = "result", "housekeeping"
DTYPE_ROW, INPUTS_ROW, VALUE_ERROR_ROW = "output dtype", "inputs unchanged", "raises ValueError"


@dataclass
class CheckResult:
    """One row of a report: what was checked, whether it passed, and the worst error."""

    name: str
    passed: bool
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    first_failing_index: list[int] | None = None
    message: str = ""
    # "result": a returned value (scored); "housekeeping": inputs unchanged, dtype, the
    # required ValueError (gates: they keep a submission from being accepted).
    kind: str = RESULT

    def to_dict(self) -> dict:
        return asdict(self)


def clip(text: str, limit: int = MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + " [...]"


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def compare_array(
    name: str,
    got: np.ndarray | None,
    ref: np.ndarray,
    dtype: str,
    tolerance: tuple[float, float],
    *,
    integer: bool = False,
    check_dtype: bool = True,
) -> CheckResult:
    """Check type, dtype, shape and values of one output against the reference.

    ``check_dtype=False`` compares the values of a float array of another dtype (the
    caller reports the dtype in its own row).

    Values: ``|got - ref| <= atol * max(1, max|ref|) + rtol * |ref|``, elementwise, and
    NaN or infinity fail where the reference is finite. An all-zero or constant output
    cannot pass where the reference varies: every case's reference is nonzero, and the
    ``atol`` term is far below the spread of a normalized output.
    """
    if got is None:
        return CheckResult(name, False, message="no array was returned")
    ref = np.asarray(ref)
    if integer:
        if got.dtype.kind not in "iu" or got.shape != ():
            return CheckResult(
                name, False, message=f"expected an integer, got {got.dtype} {got.shape}"
            )
        ok = int(got) == int(ref)
        return CheckResult(
            name,
            ok,
            0.0 if ok else abs(float(int(got) - int(ref))),
            None,
            None,
            "" if ok else f"expected {int(ref)}, got {int(got)}",
        )
    if got.dtype != np.dtype(dtype) and (check_dtype or got.dtype.kind != "f"):
        return CheckResult(name, False, message=f"dtype is {got.dtype}, expected {dtype}")
    if got.shape != ref.shape:
        return CheckResult(name, False, message=f"shape is {got.shape}, expected {ref.shape}")
    rtol, atol = tolerance
    got64 = got.astype(np.float64)
    ref64 = ref.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        abs_err = np.abs(got64 - ref64)
        scale = float(np.max(np.abs(ref64))) if ref64.size else 0.0
        allowed = atol * max(1.0, scale) + rtol * np.abs(ref64)
        bad = ~(abs_err <= allowed)  # NaN compares False, so it is bad
        abs_err = np.where(np.isnan(abs_err), np.inf, abs_err)
        rel_err = abs_err / np.maximum(np.abs(ref64), np.finfo(np.float64).tiny)
    max_abs = float(abs_err.max()) if abs_err.size else 0.0
    max_rel = float(rel_err.max()) if rel_err.size else 0.0
    if not bad.any():
        return CheckResult(name, True, max_abs, _finite_or_none(max_rel))
    flat = int(np.flatnonzero(bad)[0])
    index = [int(i) for i in np.unravel_index(flat, bad.shape)]
    value = got64.flat[flat]
    reason = "not finite" if not math.isfinite(value) else "outside the tolerance"
    message = (
        f"{int(bad.sum())} of {bad.size} values wrong; first at {tuple(index)}: "
        f"got {value:.9g}, expected {ref64.flat[flat]:.9g} ({reason})"
    )
    return CheckResult(
        name, False, _finite_or_none(max_abs), _finite_or_none(max_rel), index, message
    )


def matches(
    got: np.ndarray | None,
    prediction: np.ndarray,
    dtype: str,
    tolerance: tuple[float, float],
    slack: float = 10.0,
) -> bool:
    """Whether ``got`` agrees with a prediction (used by the diagnosis, with some slack)."""
    if got is None:
        return False
    prediction = np.asarray(prediction)
    if got.shape != prediction.shape:
        return False
    if prediction.dtype.kind in "iu" or got.dtype.kind in "iu":
        return bool(np.array_equal(got, prediction))
    rtol, atol = tolerance
    ref = prediction.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        scale = float(np.max(np.abs(ref))) if ref.size else 0.0
        allowed = slack * (atol * max(1.0, scale) + rtol * np.abs(ref))
        return bool(np.all(np.abs(got.astype(np.float64) - ref) <= allowed))
