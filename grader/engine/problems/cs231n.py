"""The course assignment's batch norm pair (cs231n-batchnorm): `batchnorm_forward` with its
`bn_param` dict (mode, eps, momentum, running statistics) and `batchnorm_backward` from its
cache; cases and references via normcore."""

from __future__ import annotations

import numpy as np

from grader.engine.problems.base import (
    DEFAULTS,
    EPS_SENSITIVE,
    EVAL,
    EXPLICIT_EPS,
    LARGE_MEANS,
    Case,
    Impl,
    arr,
    call,
    dict_arg,
    item,
    res,
    val,
)
from grader.engine.problems.inputs import (
    CORE,
    EDGE,
    as_f64,
    case_tags,
    normal_array,
    positive_array,
    seeded_rng,
)
from normcore.mistakes import Mistake

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
    rng = seeded_rng(name)
    n, d = shape
    x = normal_array(rng, shape, dtype, loc=loc)
    if constant_feature:
        x[:, 0] = 0.5
    inputs = {
        "x": x,
        "gamma": positive_array(rng, (d,), dtype),
        "beta": normal_array(rng, (d,), dtype),
    }
    entries = {"mode": val(mode)}
    if eps is not None:
        entries["eps"] = val(eps)
    if momentum is not None:
        entries["momentum"] = val(momentum)
    if running:
        inputs["running_mean"] = normal_array(rng, (d,), dtype, scale=0.5)
        inputs["running_var"] = positive_array(rng, (d,), dtype)
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
        inputs["dout"] = normal_array(rng, shape, dtype)
        calls.append(
            call("batchnorm_backward", arr("dout"), res("cache"), returns=["dx", "dgamma", "dbeta"])
        )
        outputs += ("dx", "dgamma", "dbeta")
    if then_test:
        inputs["x_test"] = normal_array(rng, shape, dtype, loc=loc)
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
        tags=case_tags(
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


def solve_cs(
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
    x = as_f64(i["x"])
    d = x.shape[1]
    eps = 1e-5 if p["eps"] is None else p["eps"]
    momentum = default_momentum if p["momentum"] is None or fixed_momentum else p["momentum"]
    if torch_momentum:
        momentum = 1 - momentum
    rm = as_f64(i["running_mean"]) if "running_mean" in i else np.zeros(d)
    rv = as_f64(i["running_var"]) if "running_var" in i else np.zeros(d)
    gamma, beta = as_f64(i["gamma"]), as_f64(i["beta"])
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
        dx, dg, db = nc.batch_norm_backward(as_f64(i["dout"]), x, weight=gamma, eps=eps)
        result.update(out=out, running_mean=new_rm, running_var=new_rv, dx=dx, dgamma=dg, dbeta=db)
    else:
        out, _, _ = nc.batch_norm(x, rm, rv, weight=gamma, bias=beta, training=False, eps=eps)
        result.update(out=out, running_mean=rm, running_var=rv)
        new_rm, new_rv = rm, rv
    if "x_test" in i:
        test_out, _, _ = nc.batch_norm(
            as_f64(i["x_test"]), new_rm, new_rv, weight=gamma, bias=beta, training=False, eps=eps
        )
        result["test_out"] = test_out
    return result


def cs_cases() -> list[Case]:
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
        return solve_cs(case, nc, **departure)

    return Mistake(slug, title, explanation, "problem", solve)


CS_MISTAKES = (
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
