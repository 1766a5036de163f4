"""The GPU problems: batch norm written with torch tensor operations, and a Triton kernel.

The candidate's functions receive torch tensors on the grading device (CUDA on a GPU
worker, the CPU on the fallback) and return tensors; the sandbox hands back plain arrays
and the references are normcore's, in float64 on the very values sent (on the GPU when
this process can use one). Large shapes (``gpu_only``) run only on a real GPU.
"""

from __future__ import annotations

import numpy as np

from grader.engine.problems.base import (
    GPU_PREFERRED,
    GPU_REQUIRED,
    Case,
    Impl,
    Problem,
    arr,
    call,
    load_text,
    val,
)
from grader.engine.problems.inputs import normal_array, positive_array, seeded_rng

# The library batch norm in every spelling a candidate could reach for, cuDNN itself, and
# the other normalization layers that compute it after a reshape (instance norm calls
# batch norm; layer norm over a transposed input normalizes per channel).
FORBIDDEN_BATCH_NORM = (
    "cudnn",
    "instance_norm",
    "group_norm",
    "layer_norm",
    "native_group_norm",
    "native_layer_norm",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "GroupNorm",
    "LayerNorm",
    "batch_norm",
    "native_batch_norm",
    "_native_batch_norm_legit",
    "_native_batch_norm_legit_no_training",
    "cudnn_batch_norm",
    "miopen_batch_norm",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "SyncBatchNorm",
    "_BatchNorm",
    "batch_norm_elemt",
    "batch_norm_stats",
)
# The shape the timing uses (the example of a large hidden test).
TIMING_SHAPE = (64, 256, 56, 56)
LARGE_SHAPES = ((64, 256, 56, 56), (32, 128, 64, 64), (256, 512, 14, 14))


def _reference(nc: Impl, case: Case, **kwargs):
    """normcore's batch norm in float64, on the GPU when this process has one."""
    i = case.inputs
    names = ("x", "running_mean", "running_var", "gamma", "beta")
    xp_in = {n: np.asarray(i[n], dtype=np.float64) for n in names}
    device = _reference_device() if case.gpu_only else None
    if device is not None:
        import torch

        xp_in = {n: torch.from_numpy(a).to(device) for n, a in xp_in.items()}
    out, rm, rv = nc.batch_norm(
        xp_in["x"],
        xp_in["running_mean"],
        xp_in["running_var"],
        weight=xp_in["gamma"],
        bias=xp_in["beta"],
        **kwargs,
    )
    return out, rm, rv, (lambda a: a.cpu().numpy()) if device is not None else np.asarray


def _reference_device() -> str | None:
    try:
        import torch
    except ImportError:
        return None
    return "cuda" if torch.cuda.is_available() else None


def _bn_inputs(name: str, shape: tuple[int, ...], dtype, *, constant_channel: bool = False) -> dict:
    rng = seeded_rng(name)
    c = shape[1]
    x = normal_array(rng, shape, dtype, loc=0.5, scale=2.0)
    if constant_channel:
        x[:, 0] = 3.25
    return {
        "x": x,
        "gamma": positive_array(rng, (c,), dtype),
        "beta": normal_array(rng, (c,), dtype),
        "running_mean": normal_array(rng, (c,), dtype, scale=0.5),
        "running_var": positive_array(rng, (c,), dtype),
    }


# --------------------------------------------------------------------------- bn-forward-cuda


def _bn_cuda_case(
    name,
    shape,
    dtype,
    *,
    momentum=None,
    eps=None,
    public=False,
    gpu_only=False,
    constant_channel=False,
) -> Case:
    kwargs = {}
    if momentum is not None:
        kwargs["momentum"] = val(momentum)
    if eps is not None:
        kwargs["eps"] = val(eps)
    names = ["out", "running_mean", "running_var"]
    n_per_channel = int(np.prod(shape)) // shape[1]
    return Case(
        name=name,
        dtype=np.dtype(dtype).name,
        inputs=_bn_inputs(name, shape, dtype, constant_channel=constant_channel),
        calls=[
            call(
                "batchnorm_forward_cuda",
                arr("x"),
                arr("gamma"),
                arr("beta"),
                arr("running_mean"),
                arr("running_var"),
                returns=names,
                **kwargs,
            )
        ],
        outputs=tuple(names),
        params={"momentum": momentum, "eps": eps},
        expect_error=n_per_channel == 1,
        public=public,
        gpu_only=gpu_only,
    )


def _bn_cuda_cases() -> list[Case]:
    f32, f64 = np.float32, np.float64
    cases = [
        _bn_cuda_case("sample: (8, 4), float32", (8, 4), f32, public=True),
        _bn_cuda_case("sample: (4, 3, 5, 5), float32", (4, 3, 5, 5), f32, public=True),
        _bn_cuda_case("2-D (64, 16), float64", (64, 16), f64),
        _bn_cuda_case("3-D (6, 5, 9), float32", (6, 5, 9), f32),
        _bn_cuda_case("4-D (16, 8, 7, 7), float32", (16, 8, 7, 7), f32),
        _bn_cuda_case("5-D (2, 3, 3, 4, 2), float64", (2, 3, 3, 4, 2), f64),
        _bn_cuda_case("batch of one with spatial dims, float32", (1, 4, 3, 5), f32),
        _bn_cuda_case(
            "constant channel (eps matters), float32", (6, 4, 3), f32, constant_channel=True
        ),
        _bn_cuda_case("momentum=0.3, eps=1e-3, float32", (10, 5, 4), f32, momentum=0.3, eps=1e-3),
        _bn_cuda_case("one value per channel", (1, 3), f32),
    ]
    return cases


def _bn_cuda_large_cases() -> list[Case]:
    return [
        _bn_cuda_case(f"large {shape}, float32", shape, np.float32, gpu_only=True)
        for shape in LARGE_SHAPES
    ]


def _solve_bn_cuda(case: Case, nc: Impl) -> dict:
    p = case.params
    kw = {k: p[k] for k in ("momentum", "eps") if p[k] is not None}
    out, rm, rv, back = _reference(nc, case, training=True, **kw)
    return {"out": back(out), "running_mean": back(rm), "running_var": back(rv)}


# --------------------------------------------------------------------------- bn-relu-triton


def _bn_relu_case(name, shape, *, eps=None, public=False, gpu_only=False) -> Case:
    kwargs = {"eps": val(eps)} if eps is not None else {}
    inputs = _bn_inputs(name, shape, np.float32)
    inputs["weight"], inputs["bias"] = inputs.pop("gamma"), inputs.pop("beta")
    return Case(
        name=name,
        dtype="float32",
        inputs=inputs,
        calls=[
            call(
                "bn_relu_inference",
                arr("x"),
                arr("weight"),
                arr("bias"),
                arr("running_mean"),
                arr("running_var"),
                returns="out",
                **kwargs,
            )
        ],
        outputs=("out",),
        params={"eps": eps},
        public=public,
        gpu_only=gpu_only,
    )


def _bn_relu_cases() -> list[Case]:
    cases = [
        _bn_relu_case("sample: (2, 3, 4, 4)", (2, 3, 4, 4), public=True),
        _bn_relu_case("2-D (64, 48)", (64, 48)),
        _bn_relu_case("4-D (8, 16, 7, 7)", (8, 16, 7, 7)),
        _bn_relu_case("odd sizes (3, 5, 13, 17)", (3, 5, 13, 17)),
        _bn_relu_case("1x1 spatial (4, 32, 1, 1)", (4, 32, 1, 1)),
        _bn_relu_case("eps=1e-3 (5, 6, 10)", (5, 6, 10), eps=1e-3),
    ]
    return cases


def _bn_relu_large_cases() -> list[Case]:
    return [_bn_relu_case(f"large {shape}", shape, gpu_only=True) for shape in LARGE_SHAPES]


def _solve_bn_relu(case: Case, nc: Impl) -> dict:
    i = case.inputs
    renamed = Case(
        name=case.name,
        dtype=case.dtype,
        calls=case.calls,
        outputs=case.outputs,
        gpu_only=case.gpu_only,
        inputs={
            "x": i["x"],
            "gamma": i["weight"],
            "beta": i["bias"],
            "running_mean": i["running_mean"],
            "running_var": i["running_var"],
        },
    )
    kw = {"eps": case.params["eps"]} if case.params["eps"] is not None else {}
    out, _, _, back = _reference(nc, renamed, training=False, **kw)
    out = back(out)
    return {"out": np.maximum(out, 0.0)}


def build_gpu_problems() -> list[Problem]:
    problems = []
    definitions = [
        (
            "bn-forward-cuda",
            "mid",
            ("batchnorm_forward_cuda",),
            _bn_cuda_cases,
            _bn_cuda_large_cases,
            _solve_bn_cuda,
            GPU_PREFERRED,
            {
                "kind": "batch_norm_train",
                "shape": list(TIMING_SHAPE),
                "dtype": "float32",
                # stats read x once, normalizing reads it again and writes out
                "bytes_factor": 3,
            },
        ),
        (
            "bn-relu-triton",
            "senior",
            ("bn_relu_inference",),
            _bn_relu_cases,
            _bn_relu_large_cases,
            _solve_bn_relu,
            GPU_REQUIRED,
            {
                "kind": "batch_norm_relu_eval",
                "shape": list(TIMING_SHAPE),
                "dtype": "float32",
                "bytes_factor": 2,
            },
        ),  # one read, one write
    ]
    for slug, level, functions, build, build_large, solve, placement, timing in definitions:
        title, statement, starter = load_text(slug, "_common_gpu.md")
        problems.append(
            Problem(
                slug=slug,
                title=title,
                level=level,
                function_names=functions,
                uses=("batch_norm",),
                statement=statement,
                starter_code=starter,
                build_cases=build,
                build_gpu_cases=build_large,
                solve=solve,
                placement=placement,
                runtime="torch",
                forbidden=FORBIDDEN_BATCH_NORM,
                timing=timing,
                # Triton: graded on a CPU (tests, the command line) its kernel runs in the
                # interpreter; still GPU-required for hiring (the point of it is speed).
                interpreter=slug == "bn-relu-triton",
            )
        )
    return problems
