"""Layer normalization, forward and backward, and RMS normalization (normalized over the
trailing axes): their cases and references via normcore."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from grader.engine.problems.base import (
    BIAS_NONE,
    EPS_SENSITIVE,
    EXPLICIT_EPS,
    INT_SHAPE,
    LARGE_MEANS,
    WEIGHT_NONE,
    Case,
    Impl,
    arr,
    call,
    tup,
    val,
)
from grader.engine.problems.inputs import (
    CORE,
    EDGE,
    as_f64,
    case_tags,
    normal_array,
    ns_arg,
    ns_tuple,
    positive_array,
    seeded_rng,
)
from normcore import mistakes

# --------------------------------------------------------------------------- layer norm


def _ln_case(
    name,
    shape,
    ns,
    dtype,
    *,
    weight=True,
    bias=True,
    eps=None,
    public=False,
    loc=0.0,
    constant_row=False,
    backward=False,
) -> Case:
    rng = seeded_rng(name)
    nshape = ns_tuple(ns)
    x = normal_array(rng, shape, dtype, loc=loc)
    if constant_row:
        x.reshape(-1, int(np.prod(nshape)))[0] = 1.75
    inputs = {"x": x}
    if backward:
        inputs = {
            "dout": normal_array(rng, shape, dtype),
            "x": x,
            "weight": positive_array(rng, nshape, dtype),
        }
        kwargs = {"eps": val(eps)} if eps is not None else {}
        calls = [
            call(
                "layernorm_backward",
                arr("dout"),
                arr("x"),
                ns_arg(ns),
                arr("weight"),
                returns=["dx", "dweight", "dbias"],
                **kwargs,
            )
        ]
        outputs = ("dx", "dweight", "dbias")
    else:
        args = [arr("x"), ns_arg(ns)]
        for present, key, make in (
            (weight, "weight", positive_array),
            (bias, "bias", normal_array),
        ):
            if present:
                inputs[key] = make(rng, nshape, dtype)
                args.append(arr(key))
            else:
                args.append(val(None))
        kwargs = {"eps": val(eps)} if eps is not None else {}
        calls = [call("layernorm_forward", *args, returns="out", **kwargs)]
        outputs = ("out",)
    return Case(
        name=name,
        dtype=np.dtype(dtype).name,
        inputs=inputs,
        calls=calls,
        outputs=outputs,
        params={"ns": nshape, "eps": eps},
        public=public,
        weight=EDGE if constant_row or loc else CORE,
        tags=case_tags(
            (constant_row, EPS_SENSITIVE),
            (loc != 0.0, LARGE_MEANS),
            (eps is not None, EXPLICIT_EPS),
            (not weight, WEIGHT_NONE),
            (not bias, BIAS_NONE),
            (isinstance(ns, int), INT_SHAPE),
        ),
        axes=_trailing_named(shape, nshape, inputs),
    )


def _trailing_named(shape, nshape, inputs) -> dict[str, tuple[str, ...]]:
    """Axis names for layer / RMS norm: leading B1.., normalized F1..; weight and bias F.."""
    lead = len(shape) - len(nshape)
    names = tuple(f"B{k}" for k in range(1, lead + 1)) + tuple(
        f"F{k}" for k in range(1, len(nshape) + 1)
    )
    return {k: names if k in ("x", "dout") else names[lead:] for k in inputs}


def resize_normalized(case: Case, inputs: dict[str, np.ndarray]) -> Case:
    """The case for smaller inputs: ``normalized_shape`` follows x's trailing dims."""
    old = case.params["ns"]
    new = tuple(inputs["x"].shape[len(inputs["x"].shape) - len(old) :])
    calls = []
    for c in case.calls:
        args = list(c["args"])
        if args[1] == val(old[0]) and len(old) == 1 and INT_SHAPE in case.tags:
            args[1] = val(new[0])
        else:
            args[1] = tup(new)
        calls.append({**c, "args": args})
    return replace(case, inputs=inputs, calls=calls, params={**case.params, "ns": new})


def solve_ln_forward(case: Case, nc: Impl) -> dict:
    i, p = case.inputs, case.params
    kw = {"eps": p["eps"]} if p["eps"] is not None else {}
    out = nc.layer_norm(
        as_f64(i["x"]), p["ns"], weight=as_f64(i.get("weight")), bias=as_f64(i.get("bias")), **kw
    )
    return {"out": out}


def solve_ln_backward(case: Case, nc: Impl) -> dict:
    i, p = case.inputs, case.params
    kw = {"eps": p["eps"]} if p["eps"] is not None else {}
    # The bias does not change any gradient; a zero bias makes normcore return dbias.
    dx, dw, db = nc.layer_norm_backward(
        as_f64(i["dout"]),
        as_f64(i["x"]),
        p["ns"],
        weight=as_f64(i["weight"]),
        bias=np.zeros(p["ns"]),
        **kw,
    )
    return {"dx": dx, "dweight": dw, "dbias": db}


def ln_forward_cases() -> list[Case]:
    f32, f64 = np.float32, np.float64
    cases = [
        _ln_case("sample: (4, 10), normalized_shape=10, float64", (4, 10), 10, f64, public=True),
        _ln_case(
            "sample: (2, 5, 8), normalized_shape=(8,), float32", (2, 5, 8), (8,), f32, public=True
        ),
    ]
    for dtype in (f32, f64):
        d = np.dtype(dtype).name
        cases += [
            _ln_case(f"2-D (16, 12), int shape, {d}", (16, 12), 12, dtype),
            _ln_case(f"3-D (3, 7, 9), normalized (9,), {d}", (3, 7, 9), (9,), dtype),
            _ln_case(f"4-D (2, 3, 4, 5), normalized (4, 5), {d}", (2, 3, 4, 5), (4, 5), dtype),
            _ln_case(
                f"4-D (2, 3, 4, 5), normalized (3, 4, 5), {d}", (2, 3, 4, 5), (3, 4, 5), dtype
            ),
            _ln_case(
                f"5-D (2, 2, 3, 2, 4), normalized (3, 2, 4), {d}", (2, 2, 3, 2, 4), (3, 2, 4), dtype
            ),
            _ln_case(f"weight None, bias given, {d}", (5, 6), 6, dtype, weight=False),
            _ln_case(f"weight given, bias None, {d}", (5, 6), (6,), dtype, bias=False),
            _ln_case(f"no affine, {d}", (3, 4, 6), (4, 6), dtype, weight=False, bias=False),
            _ln_case(f"batch of one, {d}", (1, 8), 8, dtype),
            _ln_case(
                f"constant row (eps matters), eps=1e-3, {d}",
                (4, 5),
                5,
                dtype,
                eps=1e-3,
                constant_row=True,
            ),
        ]
    cases += [
        _ln_case("large means (1e2), float32", (6, 16), 16, f32, loc=1e2),
        _ln_case("large means (1e6), float64", (6, 16), 16, f64, loc=1e6),
    ]
    return cases


def ln_backward_cases() -> list[Case]:
    f32, f64 = np.float32, np.float64
    cases = [
        _ln_case(
            "sample: (4, 10), normalized_shape=10, float64",
            (4, 10),
            10,
            f64,
            public=True,
            backward=True,
        ),
        _ln_case(
            "sample: (2, 5, 8), normalized_shape=(8,), float32",
            (2, 5, 8),
            (8,),
            f32,
            public=True,
            backward=True,
        ),
    ]
    for dtype in (f32, f64):
        d = np.dtype(dtype).name
        cases += [
            _ln_case(f"2-D (16, 12), int shape, {d}", (16, 12), 12, dtype, backward=True),
            _ln_case(f"3-D (3, 7, 9), normalized (9,), {d}", (3, 7, 9), (9,), dtype, backward=True),
            _ln_case(
                f"4-D (2, 3, 4, 5), normalized (4, 5), {d}",
                (2, 3, 4, 5),
                (4, 5),
                dtype,
                backward=True,
            ),
            _ln_case(
                f"5-D (2, 2, 3, 2, 4), normalized (2, 3, 2, 4), {d}",
                (2, 2, 3, 2, 4),
                (2, 3, 2, 4),
                dtype,
                backward=True,
            ),
            _ln_case(f"batch of one, {d}", (1, 8), 8, dtype, backward=True),
            _ln_case(
                f"constant row (eps matters), eps=1e-3, {d}",
                (4, 5),
                5,
                dtype,
                eps=1e-3,
                constant_row=True,
                backward=True,
            ),
        ]
    cases.append(_ln_case("large means (1e6), float64", (6, 16), 16, f64, loc=1e6, backward=True))
    return cases


# --------------------------------------------------------------------------- RMS norm


def _rms_case(
    name, shape, ns, dtype, *, weight=True, eps="default", public=False, loc=0.0, scale=1.0
) -> Case:
    rng = seeded_rng(name)
    nshape = ns_tuple(ns)
    inputs = {"x": normal_array(rng, shape, dtype, loc=loc, scale=scale)}
    args = [arr("x"), ns_arg(ns)]
    if weight:
        inputs["weight"] = positive_array(rng, nshape, dtype)
        args.append(arr("weight"))
    else:
        args.append(val(None))
    kwargs = {} if eps == "default" else {"eps": val(eps)}
    calls = [call("rmsnorm_forward", *args, returns="out", **kwargs)]
    # eps=None means the machine epsilon of the *candidate's* dtype, not of float64.
    effective = float(np.finfo(dtype).eps) if eps in ("default", None) else eps
    return Case(
        name=name,
        dtype=np.dtype(dtype).name,
        inputs=inputs,
        calls=calls,
        outputs=("out",),
        params={"ns": nshape, "eps": effective, "eps_none": eps in ("default", None)},
        public=public,
        weight=EDGE if scale != 1.0 or loc else CORE,
        tags=case_tags(
            (scale != 1.0, EPS_SENSITIVE),
            (loc != 0.0, LARGE_MEANS),
            (eps not in ("default", None), EXPLICIT_EPS),
            (not weight, WEIGHT_NONE),
            (isinstance(ns, int), INT_SHAPE),
        ),
        axes=_trailing_named(shape, nshape, inputs),
    )


def solve_rms(case: Case, nc: Impl, *, none_eps: float | None = None) -> dict:
    """``none_eps``: what a mistaken reading of ``eps=None`` uses instead of the dtype's."""
    i, p = case.inputs, case.params
    eps = none_eps if none_eps is not None and p["eps_none"] else p["eps"]
    out = nc.rms_norm(as_f64(i["x"]), p["ns"], weight=as_f64(i.get("weight")), eps=eps)
    return {"out": out}


def _rms_fixed_eps(case: Case, nc: Impl) -> dict:
    return solve_rms(case, nc, none_eps=1e-5)


# The catalog's entry imitates rms_norm(eps=None); the reference passes the candidate dtype's
# machine epsilon explicitly, so the problem applies the mistake to its own eps instead.
RMS_MISTAKES = (replace(mistakes.get("rms-fixed-eps"), applies_to="problem", fn=_rms_fixed_eps),)


def rms_cases() -> list[Case]:
    f32, f64 = np.float32, np.float64
    cases = [
        _rms_case("sample: (4, 8), normalized_shape=8, float64", (4, 8), 8, f64, public=True),
        _rms_case(
            "sample: (2, 3, 6), normalized_shape=(6,), float32", (2, 3, 6), (6,), f32, public=True
        ),
    ]
    for dtype in (f32, f64):
        d = np.dtype(dtype).name
        cases += [
            _rms_case(f"2-D (16, 12), int shape, {d}", (16, 12), 12, dtype),
            _rms_case(f"3-D (3, 7, 9), normalized (9,), {d}", (3, 7, 9), (9,), dtype),
            _rms_case(f"4-D (2, 3, 4, 5), normalized (4, 5), {d}", (2, 3, 4, 5), (4, 5), dtype),
            _rms_case(
                f"5-D (2, 2, 3, 2, 4), normalized (3, 2, 4), {d}", (2, 2, 3, 2, 4), (3, 2, 4), dtype
            ),
            _rms_case(f"no weight, {d}", (4, 6), 6, dtype, weight=False),
            _rms_case(f"eps=None passed explicitly, {d}", (3, 5), 5, dtype, eps=None),
            _rms_case(
                f"small values (eps matters), eps=1e-3, {d}", (4, 6), 6, dtype, eps=1e-3, scale=0.02
            ),
            _rms_case(f"nonzero mean, {d}", (5, 8), 8, dtype, loc=3.0),
            # mean(x^2) near 1e-6: the default eps (the dtype's machine epsilon) shows.
            _rms_case(f"tiny values, default eps, {d}", (4, 6), 6, dtype, scale=1e-3),
            _rms_case(f"batch of one, {d}", (1, 10), 10, dtype),
        ]
    cases.append(_rms_case("large values (1e3), float32", (6, 16), 16, f32, loc=1e3))
    return cases
