"""Group normalization (groupnorm-forward): its cases and reference via normcore."""

from __future__ import annotations

import numpy as np

from grader.engine.problems.base import (
    BIAS_NONE,
    EPS_SENSITIVE,
    EXPLICIT_EPS,
    LARGE_MEANS,
    WEIGHT_NONE,
    Case,
    Impl,
    arr,
    call,
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
    rng = seeded_rng(name)
    c = shape[1]
    x = normal_array(rng, shape, dtype, loc=loc)
    if constant_group and groups and c % groups == 0:
        x[0, : c // groups] = -0.75
    inputs = {"x": x}
    args = [arr("x"), val(groups)]
    for present, key, make in ((weight, "weight", positive_array), (bias, "bias", normal_array)):
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
        tags=case_tags(
            (constant_group, EPS_SENSITIVE),
            (loc != 0.0, LARGE_MEANS),
            (eps is not None, EXPLICIT_EPS),
            (not weight, WEIGHT_NONE),
            (not bias, BIAS_NONE),
        ),
        axes={"x": nc_axes(len(shape)), "weight": ("C",), "bias": ("C",)},
    )


def solve_gn(case: Case, nc: Impl) -> dict:
    i, p = case.inputs, case.params
    kw = {"eps": p["eps"]} if p["eps"] is not None else {}
    out = nc.group_norm(
        as_f64(i["x"]),
        p["groups"],
        weight=as_f64(i.get("weight")),
        bias=as_f64(i.get("bias")),
        **kw,
    )
    return {"out": out}


def gn_cases() -> list[Case]:
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
