"""The nine problems of shared/PROBLEMS.md: their cases and their references via normcore.

Every case is built from a fixed seed, so reports are reproducible. Each ``solve_*``
maps the problem's arguments onto normcore's (``gamma``/``beta`` -> ``weight``/``bias``,
the course-assignment momentum -> PyTorch's) and computes in float64 from the very
values the candidate receives. ``nc`` is normcore, or normcore with one function swapped
for a known mistake when the diagnosis asks "would this bug explain the output?".
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from grader.engine.problems.base import (
    BIAS_NONE,
    CONV,
    DEFAULTS,
    EMPTY_FIRST_SHARD,
    EPS_SENSITIVE,
    EVAL,
    EXPLICIT_EPS,
    INT_SHAPE,
    LARGE_MEANS,
    WEIGHT_NONE,
    Case,
    Impl,
    Problem,
    arr,
    call,
    dict_arg,
    item,
    load_text,
    res,
    tup,
    val,
)
from normcore import mistakes
from normcore.mistakes import Mistake


def _rng(name: str) -> np.random.Generator:
    # A stable seed per case name: adding a case never changes the others.
    return np.random.default_rng(zlib.crc32(name.encode()))


def _f64(a):
    return None if a is None else np.asarray(a, dtype=np.float64)


def _x(rng, shape, dtype, *, loc=0.0, scale=1.0) -> np.ndarray:
    return (loc + scale * rng.standard_normal(shape)).astype(dtype)


def _pos(rng, shape, dtype, low=0.5, high=2.0) -> np.ndarray:
    return rng.uniform(low, high, shape).astype(dtype)


def _ns(value: int | tuple[int, ...]) -> dict:
    return val(value) if isinstance(value, int) else tup(value)


def _ns_tuple(value: int | tuple[int, ...]) -> tuple[int, ...]:
    return (value,) if isinstance(value, int) else tuple(value)


def _nc_axes(ndim: int) -> tuple[str, ...]:
    """Axis names of an (N, C, *S) array."""
    return ("N", "C", *(f"S{k}" for k in range(1, ndim - 1)))


def _tags(*pairs: tuple[bool, str]) -> frozenset[str]:
    return frozenset(tag for present, tag in pairs if present)


# Case weights: the behaviour a problem is about counts twice as much as an edge case.
CORE, EDGE = 2.0, 1.0


# --------------------------------------------------------------------------- bn-forward


def _bn_forward_case(
    name,
    shape,
    dtype,
    *,
    training=True,
    momentum=None,
    eps=None,
    public=False,
    loc=0.0,
    scale=1.0,
    constant_channel=False,
    tiny_channel=False,
    then_eval=False,
) -> Case:
    rng = _rng(name)
    c = shape[1]
    x = _x(rng, shape, dtype, loc=loc, scale=scale)
    if constant_channel:
        x[:, 0] = 3.25
    if tiny_channel:
        x[:, -1] = (1.5 + 1e-3 * rng.standard_normal(x[:, -1].shape)).astype(dtype)
    inputs = {
        "x": x,
        "gamma": _pos(rng, (c,), dtype),
        "beta": _x(rng, (c,), dtype),
        "running_mean": _x(rng, (c,), dtype, scale=0.5),
        "running_var": _pos(rng, (c,), dtype),
    }
    kwargs = {}
    if momentum is not None:
        kwargs["momentum"] = val(momentum)
    if eps is not None:
        kwargs["eps"] = val(eps)
    names = ["out", "running_mean", "running_var"]
    calls = [
        call(
            "batchnorm_forward",
            arr("x"),
            arr("gamma"),
            arr("beta"),
            arr("running_mean"),
            arr("running_var"),
            val(training),
            returns=names,
            **kwargs,
        )
    ]
    outputs = tuple(names)
    if then_eval:
        inputs["x_eval"] = _x(rng, shape, dtype, loc=loc, scale=scale)
        calls.append(
            call(
                "batchnorm_forward",
                arr("x_eval"),
                arr("gamma"),
                arr("beta"),
                res("running_mean"),
                res("running_var"),
                val(False),
                returns=["eval_out", "eval_running_mean", "eval_running_var"],
                **kwargs,
            )
        )
        outputs += ("eval_out", "eval_running_mean", "eval_running_var")
    n_per_channel = int(np.prod(shape)) // c
    special = constant_channel or tiny_channel or loc != 0.0
    return Case(
        name=name,
        dtype=np.dtype(dtype).name,
        inputs=inputs,
        calls=calls,
        outputs=outputs,
        params={"training": training, "momentum": momentum, "eps": eps},
        expect_error=training and n_per_channel == 1,
        public=public,
        weight=CORE if training and not special else EDGE,
        tags=_tags(
            (constant_channel or tiny_channel, EPS_SENSITIVE),
            (loc != 0.0, LARGE_MEANS),
            (eps is not None, EXPLICIT_EPS),
            (not training, EVAL),
        ),
        axes={
            **{k: _nc_axes(len(shape)) for k in ("x", "x_eval")},
            **{k: ("C",) for k in ("gamma", "beta", "running_mean", "running_var")},
        },
    )


def _solve_bn_forward(case: Case, nc: Impl) -> dict:
    p, i = case.params, case.inputs
    kw = {}
    if p["momentum"] is not None:
        kw["momentum"] = p["momentum"]
    if p["eps"] is not None:
        kw["eps"] = p["eps"]
    out, rm, rv = nc.batch_norm(
        _f64(i["x"]),
        _f64(i["running_mean"]),
        _f64(i["running_var"]),
        weight=_f64(i["gamma"]),
        bias=_f64(i["beta"]),
        training=p["training"],
        **kw,
    )
    result = {"out": out, "running_mean": rm, "running_var": rv}
    if "x_eval" in i:
        e_out, e_rm, e_rv = nc.batch_norm(
            _f64(i["x_eval"]),
            _f64(rm),
            _f64(rv),
            weight=_f64(i["gamma"]),
            bias=_f64(i["beta"]),
            training=False,
            **kw,
        )
        result.update(eval_out=e_out, eval_running_mean=e_rm, eval_running_var=e_rv)
    return result


def _bn_forward_cases() -> list[Case]:
    f32, f64 = np.float32, np.float64
    cases = [
        _bn_forward_case("sample: training, (8, 4), float64", (8, 4), f64, public=True),
        _bn_forward_case("sample: training, (4, 3, 5, 5), float32", (4, 3, 5, 5), f32, public=True),
        _bn_forward_case(
            "sample: eval, (6, 3, 4), float64", (6, 3, 4), f64, training=False, public=True
        ),
    ]
    for dtype in (f32, f64):
        d = np.dtype(dtype).name
        cases += [
            _bn_forward_case(f"training, 2-D (32, 6), {d}", (32, 6), dtype),
            _bn_forward_case(f"training, 3-D (5, 4, 7), {d}", (5, 4, 7), dtype),
            _bn_forward_case(f"training, 4-D (3, 5, 4, 6), {d}", (3, 5, 4, 6), dtype),
            _bn_forward_case(f"training, 5-D (2, 3, 3, 4, 2), {d}", (2, 3, 3, 4, 2), dtype),
            _bn_forward_case(f"training, batch of one with spatial dims, {d}", (1, 4, 3, 5), dtype),
            _bn_forward_case(
                f"training, constant and near-constant channels (eps matters), {d}",
                (6, 4, 3),
                dtype,
                constant_channel=True,
                tiny_channel=True,
            ),
            _bn_forward_case(f"eval, 4-D, {d}", (3, 4, 5, 2), dtype, training=False),
            _bn_forward_case(f"eval after training, {d}", (8, 3, 4), dtype, then_eval=True),
            _bn_forward_case(
                f"training, momentum=0.3, eps=1e-3, {d}", (10, 5), dtype, momentum=0.3, eps=1e-3
            ),
        ]
    cases += [
        _bn_forward_case("training, large means (1e2), float32", (16, 4, 3), f32, loc=1e2),
        _bn_forward_case("training, large means (1e6), float64", (16, 4, 3), f64, loc=1e6),
        _bn_forward_case("training, momentum=1.0, float64", (7, 3), f64, momentum=1.0),
        _bn_forward_case(
            "eval, one value per channel is fine, float64", (1, 5), f64, training=False
        ),
        _bn_forward_case("training, one value per channel (1, 3) raises ValueError", (1, 3), f64),
        _bn_forward_case(
            "training, one value per channel (1, 2, 1, 1) raises ValueError", (1, 2, 1, 1), f32
        ),
    ]
    return cases


# --------------------------------------------------------------------------- bn-backward


def _bn_backward_case(
    name, shape, dtype, *, eps=None, public=False, loc=0.0, constant_channel=False
) -> Case:
    rng = _rng(name)
    c = shape[1]
    x = _x(rng, shape, dtype, loc=loc)
    if constant_channel:
        x[:, 0] = 2.5
    inputs = {"dout": _x(rng, shape, dtype), "x": x, "gamma": _pos(rng, (c,), dtype)}
    kwargs = {"eps": val(eps)} if eps is not None else {}
    calls = [
        call(
            "batchnorm_backward",
            arr("dout"),
            arr("x"),
            arr("gamma"),
            returns=["dx", "dgamma", "dbeta"],
            **kwargs,
        )
    ]
    return Case(
        name=name,
        dtype=np.dtype(dtype).name,
        inputs=inputs,
        calls=calls,
        outputs=("dx", "dgamma", "dbeta"),
        params={"eps": eps},
        public=public,
        weight=EDGE if constant_channel or loc else CORE,
        tags=_tags(
            (constant_channel, EPS_SENSITIVE),
            (loc != 0.0, LARGE_MEANS),
            (eps is not None, EXPLICIT_EPS),
        ),
        axes={"dout": _nc_axes(len(shape)), "x": _nc_axes(len(shape)), "gamma": ("C",)},
    )


def _solve_bn_backward(case: Case, nc: Impl) -> dict:
    i = case.inputs
    kw = {"eps": case.params["eps"]} if case.params["eps"] is not None else {}
    dx, dg, db = nc.batch_norm_backward(
        _f64(i["dout"]), _f64(i["x"]), weight=_f64(i["gamma"]), **kw
    )
    return {"dx": dx, "dgamma": dg, "dbeta": db}


def _bn_backward_cases() -> list[Case]:
    f32, f64 = np.float32, np.float64
    cases = [
        _bn_backward_case("sample: (8, 4), float64", (8, 4), f64, public=True),
        _bn_backward_case("sample: (4, 3, 5, 5), float32", (4, 3, 5, 5), f32, public=True),
    ]
    for dtype in (f32, f64):
        d = np.dtype(dtype).name
        cases += [
            _bn_backward_case(f"2-D (32, 6), {d}", (32, 6), dtype),
            _bn_backward_case(f"3-D (5, 4, 7), {d}", (5, 4, 7), dtype),
            _bn_backward_case(f"4-D (3, 5, 4, 6), {d}", (3, 5, 4, 6), dtype),
            _bn_backward_case(f"5-D (2, 3, 3, 4, 2), {d}", (2, 3, 3, 4, 2), dtype),
            _bn_backward_case(f"batch of one with spatial dims, {d}", (1, 4, 3, 5), dtype),
            _bn_backward_case(
                f"constant channel (eps matters), {d}", (6, 3, 4), dtype, constant_channel=True
            ),
            _bn_backward_case(f"eps=1e-3, {d}", (10, 5), dtype, eps=1e-3),
        ]
    cases.append(_bn_backward_case("large means (1e6), float64", (16, 4, 3), f64, loc=1e6))
    return cases


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
    rng = _rng(name)
    nshape = _ns_tuple(ns)
    x = _x(rng, shape, dtype, loc=loc)
    if constant_row:
        x.reshape(-1, int(np.prod(nshape)))[0] = 1.75
    inputs = {"x": x}
    if backward:
        inputs = {"dout": _x(rng, shape, dtype), "x": x, "weight": _pos(rng, nshape, dtype)}
        kwargs = {"eps": val(eps)} if eps is not None else {}
        calls = [
            call(
                "layernorm_backward",
                arr("dout"),
                arr("x"),
                _ns(ns),
                arr("weight"),
                returns=["dx", "dweight", "dbias"],
                **kwargs,
            )
        ]
        outputs = ("dx", "dweight", "dbias")
    else:
        args = [arr("x"), _ns(ns)]
        for present, key, make in ((weight, "weight", _pos), (bias, "bias", _x)):
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
        tags=_tags(
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


def _resize_normalized(case: Case, inputs: dict[str, np.ndarray]) -> Case:
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


def _solve_ln_forward(case: Case, nc: Impl) -> dict:
    i, p = case.inputs, case.params
    kw = {"eps": p["eps"]} if p["eps"] is not None else {}
    out = nc.layer_norm(
        _f64(i["x"]), p["ns"], weight=_f64(i.get("weight")), bias=_f64(i.get("bias")), **kw
    )
    return {"out": out}


def _solve_ln_backward(case: Case, nc: Impl) -> dict:
    i, p = case.inputs, case.params
    kw = {"eps": p["eps"]} if p["eps"] is not None else {}
    # The bias does not change any gradient; a zero bias makes normcore return dbias.
    dx, dw, db = nc.layer_norm_backward(
        _f64(i["dout"]),
        _f64(i["x"]),
        p["ns"],
        weight=_f64(i["weight"]),
        bias=np.zeros(p["ns"]),
        **kw,
    )
    return {"dx": dx, "dweight": dw, "dbias": db}


def _ln_forward_cases() -> list[Case]:
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


def _ln_backward_cases() -> list[Case]:
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


# --------------------------------------------------------------------------- group norm


def _gn_case(
    name,
    shape,
    groups,
    dtype,
    *,
    weight=True,
    bias=True,
    eps=None,
    public=False,
    loc=0.0,
    constant_group=False,
    expect_error=False,
) -> Case:
    rng = _rng(name)
    c = shape[1]
    x = _x(rng, shape, dtype, loc=loc)
    if constant_group and groups and c % groups == 0:
        x[0, : c // groups] = -0.75
    inputs = {"x": x}
    args = [arr("x"), val(groups)]
    for present, key, make in ((weight, "weight", _pos), (bias, "bias", _x)):
        if present:
            inputs[key] = make(rng, (c,), dtype)
            args.append(arr(key))
        else:
            args.append(val(None))
    kwargs = {"eps": val(eps)} if eps is not None else {}
    calls = [call("groupnorm_forward", *args, returns="out", **kwargs)]
    return Case(
        name=name,
        dtype=np.dtype(dtype).name,
        inputs=inputs,
        calls=calls,
        outputs=("out",),
        params={"groups": groups, "eps": eps},
        expect_error=expect_error,
        public=public,
        weight=EDGE if constant_group or loc else CORE,
        tags=_tags(
            (constant_group, EPS_SENSITIVE),
            (loc != 0.0, LARGE_MEANS),
            (eps is not None, EXPLICIT_EPS),
            (not weight, WEIGHT_NONE),
            (not bias, BIAS_NONE),
        ),
        axes={"x": _nc_axes(len(shape)), "weight": ("C",), "bias": ("C",)},
    )


def _solve_gn(case: Case, nc: Impl) -> dict:
    i, p = case.inputs, case.params
    kw = {"eps": p["eps"]} if p["eps"] is not None else {}
    out = nc.group_norm(
        _f64(i["x"]), p["groups"], weight=_f64(i.get("weight")), bias=_f64(i.get("bias")), **kw
    )
    return {"out": out}


def _gn_cases() -> list[Case]:
    f32, f64 = np.float32, np.float64
    cases = [
        _gn_case("sample: (2, 6, 4, 4), 3 groups, float64", (2, 6, 4, 4), 3, f64, public=True),
        _gn_case("sample: (3, 4, 5), 2 groups, float32", (3, 4, 5), 2, f32, public=True),
    ]
    for dtype in (f32, f64):
        d = np.dtype(dtype).name
        cases += [
            _gn_case(f"2-D (5, 8), 4 groups, {d}", (5, 8), 4, dtype),
            _gn_case(f"3-D (3, 6, 7), 2 groups, {d}", (3, 6, 7), 2, dtype),
            _gn_case(f"4-D (2, 8, 3, 5), 4 groups, {d}", (2, 8, 3, 5), 4, dtype),
            _gn_case(f"5-D (2, 6, 2, 3, 2), 3 groups, {d}", (2, 6, 2, 3, 2), 3, dtype),
            _gn_case(f"one group (layer norm), {d}", (3, 4, 6), 1, dtype),
            _gn_case(f"groups == channels (instance norm), {d}", (2, 5, 3, 3), 5, dtype),
            _gn_case(f"batch of one with spatial dims, {d}", (1, 6, 4, 3), 2, dtype),
            _gn_case(f"no weight, {d}", (2, 6, 5), 3, dtype, weight=False),
            _gn_case(f"no bias, {d}", (2, 6, 5), 2, dtype, bias=False),
            _gn_case(
                f"constant group (eps matters), eps=1e-3, {d}",
                (2, 6, 4),
                3,
                dtype,
                eps=1e-3,
                constant_group=True,
            ),
        ]
    cases += [
        _gn_case("large means (1e2), float32", (4, 6, 8), 3, f32, loc=1e2),
        _gn_case("large means (1e6), float64", (4, 6, 8), 3, f64, loc=1e6),
        _gn_case("4 groups for 6 channels raises ValueError", (2, 6, 3), 4, f64, expect_error=True),
        # 6 * 16 values per sample split evenly into 4: reshaping to (N, G, -1) runs silently.
        _gn_case(
            "4 groups for 6 channels with 4x4 positions raises ValueError",
            (2, 6, 4, 4),
            4,
            f32,
            expect_error=True,
        ),
        _gn_case("0 groups raises ValueError", (2, 6, 3), 0, f64, expect_error=True),
    ]
    return cases


# --------------------------------------------------------------------------- RMS norm


def _rms_case(
    name, shape, ns, dtype, *, weight=True, eps="default", public=False, loc=0.0, scale=1.0
) -> Case:
    rng = _rng(name)
    nshape = _ns_tuple(ns)
    inputs = {"x": _x(rng, shape, dtype, loc=loc, scale=scale)}
    args = [arr("x"), _ns(ns)]
    if weight:
        inputs["weight"] = _pos(rng, nshape, dtype)
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
        tags=_tags(
            (scale != 1.0, EPS_SENSITIVE),
            (loc != 0.0, LARGE_MEANS),
            (eps not in ("default", None), EXPLICIT_EPS),
            (not weight, WEIGHT_NONE),
            (isinstance(ns, int), INT_SHAPE),
        ),
        axes=_trailing_named(shape, nshape, inputs),
    )


def _solve_rms(case: Case, nc: Impl, *, none_eps: float | None = None) -> dict:
    """``none_eps``: what a mistaken reading of ``eps=None`` uses instead of the dtype's."""
    i, p = case.inputs, case.params
    eps = none_eps if none_eps is not None and p["eps_none"] else p["eps"]
    out = nc.rms_norm(_f64(i["x"]), p["ns"], weight=_f64(i.get("weight")), eps=eps)
    return {"out": out}


def _rms_fixed_eps(case: Case, nc: Impl) -> dict:
    return _solve_rms(case, nc, none_eps=1e-5)


# The catalog's entry imitates rms_norm(eps=None); the reference passes the candidate dtype's
# machine epsilon explicitly, so the problem applies the mistake to its own eps instead.
_RMS_MISTAKES = (replace(mistakes.get("rms-fixed-eps"), applies_to="problem", fn=_rms_fixed_eps),)


def _rms_cases() -> list[Case]:
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


# --------------------------------------------------------------------------- bn-fold


def _fold_case(name, wshape, dtype, *, bias=True, eps=None, public=False, tiny_var=False) -> Case:
    rng = _rng(name)
    c_out = wshape[0]
    inputs = {"weight": _x(rng, wshape, dtype, scale=0.5)}
    args = [arr("weight")]
    if bias:
        inputs["bias"] = _x(rng, (c_out,), dtype)
        args.append(arr("bias"))
    else:
        args.append(val(None))
    rv = _pos(rng, (c_out,), dtype)
    if tiny_var:
        rv[0] = 1e-4
    inputs.update(
        gamma=_pos(rng, (c_out,), dtype),
        beta=_x(rng, (c_out,), dtype),
        running_mean=_x(rng, (c_out,), dtype),
        running_var=rv,
    )
    args += [arr("gamma"), arr("beta"), arr("running_mean"), arr("running_var")]
    kwargs = {"eps": val(eps)} if eps is not None else {}
    calls = [call("fold_batchnorm", *args, returns=["folded_weight", "folded_bias"], **kwargs)]
    return Case(
        name=name,
        dtype=np.dtype(dtype).name,
        inputs=inputs,
        calls=calls,
        outputs=("folded_weight", "folded_bias"),
        params={"eps": eps},
        public=public,
        weight=EDGE if tiny_var else CORE,
        tags=_tags(
            (tiny_var, EPS_SENSITIVE),
            (eps is not None, EXPLICIT_EPS),
            (not bias, BIAS_NONE),
            (len(wshape) > 2, CONV),
        ),
        axes={
            "weight": ("O", "I", *(f"K{k}" for k in range(1, len(wshape) - 1))),
            **{k: ("O",) for k in ("bias", "gamma", "beta", "running_mean", "running_var")},
        },
    )


def _solve_fold(case: Case, nc: Impl) -> dict:
    i = case.inputs
    kw = {"eps": case.params["eps"]} if case.params["eps"] is not None else {}
    fw, fb = nc.fold_batchnorm(
        _f64(i["weight"]),
        _f64(i.get("bias")),
        _f64(i["gamma"]),
        _f64(i["beta"]),
        _f64(i["running_mean"]),
        _f64(i["running_var"]),
        **kw,
    )
    return {"folded_weight": fw, "folded_bias": fb}


def _fold_cases() -> list[Case]:
    f32, f64 = np.float32, np.float64
    cases = [
        _fold_case("sample: linear (5, 3), float64", (5, 3), f64, public=True),
        _fold_case("sample: conv2d (4, 3, 3, 3), float32", (4, 3, 3, 3), f32, public=True),
    ]
    for dtype in (f32, f64):
        d = np.dtype(dtype).name
        cases += [
            _fold_case(f"linear (8, 6), {d}", (8, 6), dtype),
            _fold_case(f"conv1d (6, 2, 5), {d}", (6, 2, 5), dtype),
            _fold_case(f"conv2d (4, 3, 3, 3), {d}", (4, 3, 3, 3), dtype),
            _fold_case(f"conv3d (3, 2, 2, 3, 2), {d}", (3, 2, 2, 3, 2), dtype),
            _fold_case(f"no bias, {d}", (5, 4, 3, 3), dtype, bias=False),
            _fold_case(
                f"tiny running variance (eps matters), eps=1e-3, {d}",
                (4, 3),
                dtype,
                eps=1e-3,
                tiny_var=True,
            ),
        ]
    return cases


# --------------------------------------------------------------------------- bn-sync-stats


def _sync_case(
    name,
    counts,
    channels,
    dtype,
    *,
    loc=0.0,
    public=False,
    count_dtype=np.int64,
    expect_error=False,
) -> Case:
    rng = _rng(name)
    means = np.zeros((len(counts), channels))
    variances = np.zeros((len(counts), channels))
    for k, n in enumerate(counts):
        if n:
            shard = loc + rng.standard_normal((n, channels)) * rng.uniform(0.5, 2.0, channels)
            shard += rng.uniform(-1, 1, channels)  # the shards' means differ
            means[k] = shard.mean(axis=0)
            variances[k] = shard.var(axis=0)
    inputs = {
        "counts": np.asarray(counts, dtype=count_dtype),
        "means": means.astype(dtype),
        "variances": variances.astype(dtype),
    }
    calls = [
        call(
            "combine_batch_stats",
            arr("counts"),
            arr("means"),
            arr("variances"),
            returns=["count", "mean", "variance"],
        )
    ]
    return Case(
        name=name,
        dtype=np.dtype(dtype).name,
        inputs=inputs,
        calls=calls,
        outputs=("count", "mean", "variance"),
        int_outputs=("count",),
        expect_error=expect_error,
        public=public,
        # One shard is its own answer: returning the first shard must not earn much.
        weight=EDGE if len(counts) == 1 or loc else CORE,
        tags=_tags((loc != 0.0, LARGE_MEANS), (counts[0] == 0, EMPTY_FIRST_SHARD)),
        axes={"counts": ("K",), "means": ("K", "C"), "variances": ("K", "C")},
    )


def _solve_sync(case: Case, nc: Impl) -> dict:
    i = case.inputs
    count, mean, var = nc.combine_batch_stats(i["counts"], _f64(i["means"]), _f64(i["variances"]))
    return {"count": np.asarray(int(count)), "mean": mean, "variance": var}


def _sync_cases() -> list[Case]:
    f32, f64 = np.float32, np.float64
    cases = [
        _sync_case("sample: 3 shards, 4 channels, float64", [5, 8, 3], 4, f64, public=True),
        _sync_case("sample: 2 shards, 3 channels, float32", [6, 6], 3, f32, public=True),
    ]
    for dtype in (f32, f64):
        d = np.dtype(dtype).name
        cases += [
            _sync_case(f"4 shards of different sizes, {d}", [7, 2, 11, 5], 6, dtype),
            _sync_case(f"a shard with count 0, {d}", [4, 0, 9], 5, dtype),
            _sync_case(f"the first shard is empty, {d}", [0, 6, 3], 4, dtype),
            _sync_case(f"one shard, {d}", [12], 3, dtype),
            _sync_case(f"shards of one value each, {d}", [1, 1, 1, 1], 2, dtype),
            _sync_case(f"int32 counts, {d}", [3, 10], 4, dtype, count_dtype=np.int32),
        ]
    cases += [
        _sync_case("means around 1e6 with unit spread, float64", [50, 40, 60], 4, f64, loc=1e6),
        _sync_case("means around 1e2, float32", [30, 20], 3, f32, loc=1e2),
        _sync_case("all counts 0 raises ValueError", [0, 0], 3, f64, expect_error=True),
    ]
    return cases


# --------------------------------------------------------------------------- cs231n


def _cs_case(
    name,
    shape,
    dtype,
    *,
    mode="train",
    momentum=None,
    eps=None,
    running=True,
    public=False,
    loc=0.0,
    constant_feature=False,
    then_test=False,
) -> Case:
    rng = _rng(name)
    n, d = shape
    x = _x(rng, shape, dtype, loc=loc)
    if constant_feature:
        x[:, 0] = 0.5
    inputs = {"x": x, "gamma": _pos(rng, (d,), dtype), "beta": _x(rng, (d,), dtype)}
    entries = {"mode": val(mode)}
    if eps is not None:
        entries["eps"] = val(eps)
    if momentum is not None:
        entries["momentum"] = val(momentum)
    if running:
        inputs["running_mean"] = _x(rng, (d,), dtype, scale=0.5)
        inputs["running_var"] = _pos(rng, (d,), dtype)
        entries["running_mean"] = arr("running_mean", mutable=True)
        entries["running_var"] = arr("running_var", mutable=True)
    calls = [
        call(
            "batchnorm_forward",
            arr("x"),
            arr("gamma"),
            arr("beta"),
            dict_arg("bn_param", entries),
            returns=["out", "cache"],
        )
    ]
    outputs: tuple[str, ...] = ("out", "running_mean", "running_var")
    captures = {
        "running_mean": ("bn_param", "running_mean"),
        "running_var": ("bn_param", "running_var"),
    }
    if mode == "train":
        inputs["dout"] = _x(rng, shape, dtype)
        calls.append(
            call("batchnorm_backward", arr("dout"), res("cache"), returns=["dx", "dgamma", "dbeta"])
        )
        outputs += ("dx", "dgamma", "dbeta")
    if then_test:
        inputs["x_test"] = _x(rng, shape, dtype, loc=loc)
        test_entries = {
            "mode": val("test"),
            "running_mean": item("bn_param", "running_mean"),
            "running_var": item("bn_param", "running_var"),
        }
        test_entries.update({k: v for k, v in entries.items() if k in ("eps", "momentum")})
        calls.append(
            call(
                "batchnorm_forward",
                arr("x_test"),
                arr("gamma"),
                arr("beta"),
                dict_arg("test_param", test_entries),
                returns=["test_out", "test_cache"],
            )
        )
        outputs += ("test_out",)
    return Case(
        name=name,
        dtype=np.dtype(dtype).name,
        inputs=inputs,
        calls=calls,
        outputs=outputs,
        captures=captures,
        public=public,
        params={"mode": mode, "momentum": momentum, "eps": eps},
        weight=CORE if mode == "train" and not (loc or constant_feature) else EDGE,
        tags=_tags(
            (constant_feature, EPS_SENSITIVE),
            (loc != 0.0, LARGE_MEANS),
            (eps is not None, EXPLICIT_EPS),
            (not running, DEFAULTS),
            (mode == "test", EVAL),
        ),
        axes={
            **{k: ("N", "D") for k in ("x", "dout", "x_test")},
            **{k: ("D",) for k in ("gamma", "beta", "running_mean", "running_var")},
        },
    )


def _solve_cs(
    case: Case,
    nc: Impl,
    *,
    torch_momentum: bool = False,
    default_momentum: float = 0.9,
    fixed_momentum: bool = False,
    unbiased_running_var: bool = False,
    write_back: bool = True,
) -> dict:
    """The course's answer; the keywords describe classic departures from it (mistakes)."""
    i, p = case.inputs, case.params
    x = _f64(i["x"])
    d = x.shape[1]
    eps = 1e-5 if p["eps"] is None else p["eps"]
    momentum = default_momentum if p["momentum"] is None or fixed_momentum else p["momentum"]
    if torch_momentum:
        momentum = 1 - momentum
    rm = _f64(i["running_mean"]) if "running_mean" in i else np.zeros(d)
    rv = _f64(i["running_var"]) if "running_var" in i else np.zeros(d)
    gamma, beta = _f64(i["gamma"]), _f64(i["beta"])
    result: dict = {}
    if p["mode"] == "train":
        # The course's convention: momentum weighs the old value, and the running variance
        # is the biased one (PyTorch's is unbiased), so only `out` comes from batch_norm.
        out, _, _ = nc.batch_norm(x, rm, rv, weight=gamma, bias=beta, training=True, eps=eps)
        mean, var = nc.moments(x, axis=0)
        if unbiased_running_var:
            var = var * x.shape[0] / (x.shape[0] - 1)
        new_rm = momentum * rm + (1 - momentum) * mean
        new_rv = momentum * rv + (1 - momentum) * var
        if not write_back:
            new_rm, new_rv = rm, rv
        dx, dg, db = nc.batch_norm_backward(_f64(i["dout"]), x, weight=gamma, eps=eps)
        result.update(out=out, running_mean=new_rm, running_var=new_rv, dx=dx, dgamma=dg, dbeta=db)
    else:
        out, _, _ = nc.batch_norm(x, rm, rv, weight=gamma, bias=beta, training=False, eps=eps)
        result.update(out=out, running_mean=rm, running_var=rv)
        new_rm, new_rv = rm, rv
    if "x_test" in i:
        test_out, _, _ = nc.batch_norm(
            _f64(i["x_test"]), new_rm, new_rv, weight=gamma, bias=beta, training=False, eps=eps
        )
        result["test_out"] = test_out
    return result


def _cs_cases() -> list[Case]:
    f32, f64 = np.float32, np.float64
    cases = [
        _cs_case("sample: train, (8, 4), float64", (8, 4), f64, public=True),
        _cs_case("sample: test, (6, 3), float32", (6, 3), f32, mode="test", public=True),
    ]
    for dtype in (f32, f64):
        d = np.dtype(dtype).name
        cases += [
            _cs_case(f"train, (32, 6), {d}", (32, 6), dtype),
            _cs_case(
                f"train, defaults for eps, momentum and running stats, {d}",
                (10, 5),
                dtype,
                running=False,
            ),
            _cs_case(f"train, momentum=0.5, eps=1e-3, {d}", (12, 4), dtype, momentum=0.5, eps=1e-3),
            # 0.5 is its own complement: only another momentum tells the two conventions apart.
            _cs_case(f"train, momentum=0.75, {d}", (10, 3), dtype, momentum=0.75),
            _cs_case(
                f"train, constant feature (eps matters), {d}", (9, 3), dtype, constant_feature=True
            ),
            _cs_case(f"test, (7, 5), {d}", (7, 5), dtype, mode="test"),
            _cs_case(f"test after train, {d}", (16, 4), dtype, then_test=True),
        ]
    cases += [
        _cs_case("train, batch of two, float64", (2, 3), f64),
        _cs_case("train, large means (1e2), float32", (20, 3), f32, loc=1e2),
        _cs_case("train, large means (1e6), float64", (20, 3), f64, loc=1e6),
    ]
    return cases


def _cs_mistake(slug: str, title: str, explanation: str, **departure) -> Mistake:
    def solve(case: Case, nc: Impl) -> dict:
        return _solve_cs(case, nc, **departure)

    return Mistake(slug, title, explanation, "problem", solve)


_CS_MISTAKES = (
    _cs_mistake(
        "cs231n-pytorch-momentum",
        "PyTorch momentum convention in the course interface",
        "The running statistics were updated as (1 - momentum) * running + momentum * batch, "
        "PyTorch's convention. The course's bn_param['momentum'] weighs the old value: "
        "running = momentum * running + (1 - momentum) * batch.",
        torch_momentum=True,
    ),
    _cs_mistake(
        "cs231n-default-momentum",
        "Wrong default momentum",
        "Without bn_param['momentum'] the code used 0.1 (PyTorch's default); the course's "
        "default is 0.9.",
        default_momentum=0.1,
    ),
    _cs_mistake(
        "cs231n-momentum-ignored",
        "bn_param['momentum'] ignored",
        "The running statistics were always updated with momentum 0.9, whatever "
        "bn_param['momentum'] said.",
        fixed_momentum=True,
    ),
    _cs_mistake(
        "cs231n-unbiased-running-var",
        "Unbiased variance in the running estimate",
        "The running variance was updated with the unbiased batch variance (divide by N - 1); "
        "the course keeps the biased one (divide by N), the variance it normalizes with.",
        unbiased_running_var=True,
    ),
    _cs_mistake(
        "cs231n-running-stats-not-written-back",
        "Running statistics not written back",
        "In train mode bn_param['running_mean'] and bn_param['running_var'] kept their old "
        "values: the updated statistics were computed but never stored in the dict, so test "
        "mode never sees them.",
        write_back=False,
    ),
)


# --------------------------------------------------------------------------- the registry

_DEFINITIONS: list[tuple[str, str, tuple[str, ...], tuple[str, ...], Callable, Callable]] = [
    (
        "bn-forward",
        "mid",
        ("batchnorm_forward",),
        ("batch_norm",),
        _bn_forward_cases,
        _solve_bn_forward,
    ),
    (
        "bn-backward",
        "senior",
        ("batchnorm_backward",),
        ("batch_norm_backward",),
        _bn_backward_cases,
        _solve_bn_backward,
    ),
    (
        "layernorm-forward",
        "junior",
        ("layernorm_forward",),
        ("layer_norm",),
        _ln_forward_cases,
        _solve_ln_forward,
    ),
    (
        "layernorm-backward",
        "senior",
        ("layernorm_backward",),
        ("layer_norm_backward",),
        _ln_backward_cases,
        _solve_ln_backward,
    ),
    ("groupnorm-forward", "mid", ("groupnorm_forward",), ("group_norm",), _gn_cases, _solve_gn),
    ("rmsnorm-forward", "junior", ("rmsnorm_forward",), ("rms_norm",), _rms_cases, _solve_rms),
    ("bn-fold", "mid", ("fold_batchnorm",), ("fold_batchnorm",), _fold_cases, _solve_fold),
    (
        "bn-sync-stats",
        "senior",
        ("combine_batch_stats",),
        ("combine_batch_stats",),
        _sync_cases,
        _solve_sync,
    ),
    (
        "cs231n-batchnorm",
        "mid",
        ("batchnorm_forward", "batchnorm_backward"),
        ("batch_norm", "batch_norm_backward"),
        _cs_cases,
        _solve_cs,
    ),
]


_EXTRAS: dict[str, dict] = {
    "layernorm-forward": {"resize": _resize_normalized},
    "layernorm-backward": {"resize": _resize_normalized},
    "rmsnorm-forward": {"resize": _resize_normalized, "mistakes": _RMS_MISTAKES},
    "cs231n-batchnorm": {"mistakes": _CS_MISTAKES},
}


def build_problems() -> list[Problem]:
    problems = []
    for slug, level, functions, uses, build, solve in _DEFINITIONS:
        title, statement, starter = load_text(slug)
        problems.append(
            Problem(
                slug=slug,
                title=title,
                level=level,
                function_names=functions,
                uses=uses,
                statement=statement,
                starter_code=starter,
                build_cases=build,
                solve=solve,
                **_EXTRAS.get(slug, {}),
            )
        )
    from grader.engine.problems.gpu import build_gpu_problems

    return problems + build_gpu_problems()
