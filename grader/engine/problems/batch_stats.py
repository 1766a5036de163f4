"""Batch statistics outside training: folding batch norm into the layer before it (bn-fold)
and merging the statistics of shards (bn-sync-stats), their cases and references."""

from __future__ import annotations

import numpy as np

from grader.engine.problems.base import (
    BIAS_NONE,
    CONV,
    EMPTY_FIRST_SHARD,
    EPS_SENSITIVE,
    EXPLICIT_EPS,
    LARGE_MEANS,
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
    normal_array,
    positive_array,
    seeded_rng,
)

# --------------------------------------------------------------------------- bn-fold


def _fold_case(name, wshape, dtype, *, bias=True, eps=None, public=False, tiny_var=False) -> Case:
    rng = seeded_rng(name)
    c_out = wshape[0]
    inputs = {"weight": normal_array(rng, wshape, dtype, scale=0.5)}
    args = [arr("weight")]
    if bias:
        inputs["bias"] = normal_array(rng, (c_out,), dtype)
        args.append(arr("bias"))
    else:
        args.append(val(None))
    rv = positive_array(rng, (c_out,), dtype)
    if tiny_var:
        rv[0] = 1e-4
    inputs.update(
        gamma=positive_array(rng, (c_out,), dtype),
        beta=normal_array(rng, (c_out,), dtype),
        running_mean=normal_array(rng, (c_out,), dtype),
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
        tags=case_tags(
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


def solve_fold(case: Case, nc: Impl) -> dict:
    i = case.inputs
    kw = {"eps": case.params["eps"]} if case.params["eps"] is not None else {}
    fw, fb = nc.fold_batchnorm(
        as_f64(i["weight"]),
        as_f64(i.get("bias")),
        as_f64(i["gamma"]),
        as_f64(i["beta"]),
        as_f64(i["running_mean"]),
        as_f64(i["running_var"]),
        **kw,
    )
    return {"folded_weight": fw, "folded_bias": fb}


def fold_cases() -> list[Case]:
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
    rng = seeded_rng(name)
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
        tags=case_tags((loc != 0.0, LARGE_MEANS), (counts[0] == 0, EMPTY_FIRST_SHARD)),
        axes={"counts": ("K",), "means": ("K", "C"), "variances": ("K", "C")},
    )


def solve_sync(case: Case, nc: Impl) -> dict:
    i = case.inputs
    count, mean, var = nc.combine_batch_stats(
        i["counts"], as_f64(i["means"]), as_f64(i["variances"])
    )
    return {"count": np.asarray(int(count)), "mean": mean, "variance": var}


def sync_cases() -> list[Case]:
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
