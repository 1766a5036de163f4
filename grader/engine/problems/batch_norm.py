"""Batch normalization: the forward (bn-forward) and the backward (bn-backward), their
cases and references via normcore."""

from __future__ import annotations

import numpy as np

from grader.engine.problems.base import (
    EPS_SENSITIVE,
    EVAL,
    EXPLICIT_EPS,
    LARGE_MEANS,
    Case,
    Impl,
    arr,
    call,
    res,
    val,
)
from grader.engine.problems.inputs import (
    CORE,
    EDGE,
    as_f64,
    case_tags,
    nc_axes,
    normal_array,
    positive_array,
    seeded_rng,
)

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
    rng = seeded_rng(name)
    c = shape[1]
    x = normal_array(rng, shape, dtype, loc=loc, scale=scale)
    if constant_channel:
        x[:, 0] = 3.25
    if tiny_channel:
        x[:, -1] = (1.5 + 1e-3 * rng.standard_normal(x[:, -1].shape)).astype(dtype)
    inputs = {
        "x": x,
        "gamma": positive_array(rng, (c,), dtype),
        "beta": normal_array(rng, (c,), dtype),
        "running_mean": normal_array(rng, (c,), dtype, scale=0.5),
        "running_var": positive_array(rng, (c,), dtype),
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
        inputs["x_eval"] = normal_array(rng, shape, dtype, loc=loc, scale=scale)
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
        tags=case_tags(
            (constant_channel or tiny_channel, EPS_SENSITIVE),
            (loc != 0.0, LARGE_MEANS),
            (eps is not None, EXPLICIT_EPS),
            (not training, EVAL),
        ),
        axes={
            **{k: nc_axes(len(shape)) for k in ("x", "x_eval")},
            **{k: ("C",) for k in ("gamma", "beta", "running_mean", "running_var")},
        },
    )


def solve_bn_forward(case: Case, nc: Impl) -> dict:
    p, i = case.params, case.inputs
    kw = {}
    if p["momentum"] is not None:
        kw["momentum"] = p["momentum"]
    if p["eps"] is not None:
        kw["eps"] = p["eps"]
    out, rm, rv = nc.batch_norm(
        as_f64(i["x"]),
        as_f64(i["running_mean"]),
        as_f64(i["running_var"]),
        weight=as_f64(i["gamma"]),
        bias=as_f64(i["beta"]),
        training=p["training"],
        **kw,
    )
    result = {"out": out, "running_mean": rm, "running_var": rv}
    if "x_eval" in i:
        e_out, e_rm, e_rv = nc.batch_norm(
            as_f64(i["x_eval"]),
            as_f64(rm),
            as_f64(rv),
            weight=as_f64(i["gamma"]),
            bias=as_f64(i["beta"]),
            training=False,
            **kw,
        )
        result.update(eval_out=e_out, eval_running_mean=e_rm, eval_running_var=e_rv)
    return result


def bn_forward_cases() -> list[Case]:
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
    rng = seeded_rng(name)
    c = shape[1]
    x = normal_array(rng, shape, dtype, loc=loc)
    if constant_channel:
        x[:, 0] = 2.5
    inputs = {
        "dout": normal_array(rng, shape, dtype),
        "x": x,
        "gamma": positive_array(rng, (c,), dtype),
    }
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
        tags=case_tags(
            (constant_channel, EPS_SENSITIVE),
            (loc != 0.0, LARGE_MEANS),
            (eps is not None, EXPLICIT_EPS),
        ),
        axes={"dout": nc_axes(len(shape)), "x": nc_axes(len(shape)), "gamma": ("C",)},
    )


def solve_bn_backward(case: Case, nc: Impl) -> dict:
    i = case.inputs
    kw = {"eps": case.params["eps"]} if case.params["eps"] is not None else {}
    dx, dg, db = nc.batch_norm_backward(
        as_f64(i["dout"]), as_f64(i["x"]), weight=as_f64(i["gamma"]), **kw
    )
    return {"dx": dx, "dgamma": dg, "dbeta": db}


def bn_backward_cases() -> list[Case]:
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
