"""The LLM kernel problems in Triton: fused residual-add + RMSNorm forward, and the RMSNorm
backward. Rows are the last axis (``(..., N)``, one hidden vector per token), as in the
kernels of today's language models.

Without a GPU, a CPU worker that has Triton grades them through Triton's interpreter
(``TRITON_INTERPRET=1``): the cases stay within what the interpreter runs faithfully:
float32 and float16 only (it has no bfloat16, and the static check refuses that name
anyway), contiguous inputs only (the sandbox hands over fresh contiguous tensors; some
releases mishandle strided ones), and tolerances that leave room for the interpreter's
NumPy arithmetic differing from a compiled kernel's in the last bits.
"""

from __future__ import annotations

import numpy as np

from grader.engine.problems.base import (
    GPU_PREFERRED,
    Case,
    Impl,
    Problem,
    arr,
    call,
    load_text,
    val,
)
from grader.engine.problems.inputs import normal_array, positive_array, seeded_rng
from normcore.mistakes import Mistake

# The library's RMSNorm in every spelling a candidate could reach for.
FORBIDDEN_RMS_NORM = ("rms_norm", "RMSNorm", "_fused_rms_norm", "layer_norm", "LayerNorm")
DEFAULT_EPS = 1e-6
# What a GPU worker times (gpu_timing_kinds.py): 8192 tokens of a 4096-wide hidden state
# (a 7B-class model's), float32. The bytes the kernel must move at least, in tensors of
# that shape: add+RMSNorm reads x and the residual and writes y and the new residual; the
# backward reads dy and x and writes dx (dweight's partial sums are a row's worth).
TIMING_SHAPE = [8192, 4096]
ADD_RMS_TIMING = {
    "kind": "add_rms_norm",
    "shape": TIMING_SHAPE,
    "dtype": "float32",
    "bytes_factor": 4,
}
RMS_BACKWARD_TIMING = {
    "kind": "rms_norm_backward",
    "shape": TIMING_SHAPE,
    "dtype": "float32",
    "bytes_factor": 3,
}


def _as64(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _rows_case(name, fn, shape, dtype, *, eps=None, public=False, backward=False, scale=1.0):
    """A case of either problem: ``(..., N)`` inputs, weight ``(N,)``."""
    rng = seeded_rng(name)
    n = shape[-1]
    kwargs = {"eps": val(eps)} if eps is not None else {}
    if backward:
        inputs = {
            "dy": normal_array(rng, shape, dtype),
            "x": normal_array(rng, shape, dtype, scale=scale),
            "weight": positive_array(rng, (n,), dtype),
        }
        args, returns = (arr("dy"), arr("x"), arr("weight")), ["dx", "dweight"]
    else:
        inputs = {
            "x": normal_array(rng, shape, dtype, scale=scale),
            "residual": normal_array(rng, shape, dtype, loc=0.25),
            "weight": positive_array(rng, (n,), dtype),
        }
        args, returns = (arr("x"), arr("residual"), arr("weight")), ["y", "residual_out"]
    return Case(
        name=name,
        dtype=np.dtype(dtype).name,
        inputs=inputs,
        calls=[call(fn, *args, returns=returns, **kwargs)],
        outputs=tuple(returns),
        params={"eps": DEFAULT_EPS if eps is None else eps},
        public=public,
    )


def _cases(fn: str, backward: bool) -> list[Case]:
    f16, f32 = np.float16, np.float32
    prefix = "backward " if backward else ""

    def case(name, shape, dtype, **kw):
        return _rows_case(f"{prefix}{name}", fn, shape, dtype, backward=backward, **kw)

    return [
        case("sample: (4, 8), float32", (4, 8), f32, public=True),
        case("sample: (2, 3, 16), float32", (2, 3, 16), f32, public=True),
        case("odd sizes (7, 33), float32", (7, 33), f32),
        case("3-D (3, 5, 100), float32", (3, 5, 100), f32),
        case("one row (1, 257), float32", (1, 257), f32),
        case("large rows (4, 4096), float32", (4, 4096), f32),
        case("row longer than a block (2, 5000), float32", (2, 5000), f32),
        case("small values, eps=1e-3 (6, 24), float32", (6, 24), f32, eps=1e-3, scale=0.02),
        case("float16 (16, 257)", (16, 257), f16),
        case("float16 large rows (3, 2048)", (3, 2048), f16),
    ]


# --------------------------------------------------------------------------- add + RMSNorm


def _residual_sum(case: Case) -> np.ndarray:
    """x + residual rounded to the inputs' dtype, as the kernel stores it."""
    i = case.inputs
    return np.add(i["x"], i["residual"], dtype=i["x"].dtype)


def solve_add_rms(case: Case, nc: Impl, *, skip_residual: bool = False) -> dict:
    h = case.inputs["x"] if skip_residual else _residual_sum(case)
    w = _as64(case.inputs["weight"])
    y = nc.rms_norm(_as64(h), h.shape[-1], weight=w, eps=case.params["eps"])
    return {"y": y, "residual_out": _residual_sum(case)}


def _returns_old_residual(case: Case, nc: Impl) -> dict:
    return {**solve_add_rms(case, nc), "residual_out": case.inputs["residual"].copy()}


ADD_RMS_MISTAKES = (
    Mistake(
        "add-rms-normalizes-x-alone",
        "The residual was not added before normalizing",
        "The code normalized x alone; the fused kernel normalizes h = x + residual and "
        "returns h as the next layer's residual.",
        "problem",
        lambda case, nc: solve_add_rms(case, nc, skip_residual=True),
    ),
    Mistake(
        "add-rms-returns-old-residual",
        "The old residual was returned",
        "The second output was the residual passed in; it must be the new sum x + residual "
        "(what the next layer adds to).",
        "problem",
        _returns_old_residual,
    ),
)


# --------------------------------------------------------------------------- backward


def solve_rms_backward(case: Case, nc: Impl) -> dict:
    i = case.inputs
    dx, dw = nc.rms_norm_backward(
        _as64(i["dy"]), _as64(i["x"]), i["x"].shape[-1], _as64(i["weight"]), case.params["eps"]
    )
    return {"dx": dx, "dweight": dw}


def _rstd(case: Case) -> np.ndarray:
    x = _as64(case.inputs["x"])
    return 1.0 / np.sqrt((x * x).mean(axis=-1, keepdims=True) + case.params["eps"])


def _dx_without_projection(case: Case, nc: Impl) -> dict:
    i = case.inputs
    dx = _as64(i["dy"]) * _as64(i["weight"]) * _rstd(case)
    return {**solve_rms_backward(case, nc), "dx": dx}


def _dweight_from_raw_x(case: Case, nc: Impl) -> dict:
    i = case.inputs
    dw = (_as64(i["dy"]) * _as64(i["x"])).reshape(-1, i["x"].shape[-1]).sum(axis=0)
    return {**solve_rms_backward(case, nc), "dweight": dw}


RMS_BACKWARD_MISTAKES = (
    Mistake(
        "rms-backward-no-projection",
        "dx without the term through the RMS",
        "The code returned dy * weight * rstd for dx, as if the RMS did not depend on x; "
        "dx also has the term -x * rstd**3 * mean(dy * weight * x) over the row.",
        "problem",
        _dx_without_projection,
    ),
    Mistake(
        "rms-backward-dweight-raw-x",
        "dweight from x instead of the normalized x",
        "The code summed dy * x for dweight; the weight multiplies x * rstd, so dweight is "
        "the sum over rows of dy * x * rstd.",
        "problem",
        _dweight_from_raw_x,
    ),
)


def build_kernel_problems() -> list[Problem]:
    definitions = [
        (
            "add-rmsnorm-triton",
            "add_rmsnorm",
            False,
            ("rms_norm",),
            solve_add_rms,
            ADD_RMS_MISTAKES,
            ADD_RMS_TIMING,
        ),
        (
            "rmsnorm-backward-triton",
            "rmsnorm_backward",
            True,
            ("rms_norm_backward",),
            solve_rms_backward,
            RMS_BACKWARD_MISTAKES,
            RMS_BACKWARD_TIMING,
        ),
    ]
    problems = []
    for slug, fn, backward, uses, solve, own_mistakes, timing in definitions:
        title, statement, starter = load_text(slug, "_common_gpu.md")
        problems.append(
            Problem(
                slug=slug,
                title=title,
                level="senior",
                function_names=(fn,),
                uses=uses,
                statement=statement,
                starter_code=starter,
                build_cases=lambda fn=fn, backward=backward: _cases(fn, backward),
                solve=solve,
                placement=GPU_PREFERRED,
                runtime="torch",
                forbidden=FORBIDDEN_RMS_NORM,
                timing=timing,
                interpreter=True,
                mistakes=own_mistakes,
            )
        )
    return problems
