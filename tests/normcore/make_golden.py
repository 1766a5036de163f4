"""Write golden fixtures from PyTorch into tests/normcore/golden/ (small .npz files).

Run with torch installed:  .venv/bin/python tests/normcore/make_golden.py
Each file holds the arrays of one call and a JSON ``meta`` string: the normcore function,
its arguments (``{"array": name}`` for arrays, plain JSON otherwise) and the output names.
test_normcore_golden.py replays them without PyTorch.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent / "golden"


def t(a):
    return None if a is None else torch.from_numpy(np.array(a))


def save(name: str, fn: str, args: list, outputs: dict, kwargs: dict | None = None) -> None:
    arrays: dict[str, np.ndarray] = {}
    meta_args = []
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray):
            arrays[f"arg{i}"] = a
            meta_args.append({"array": f"arg{i}"})
        else:
            meta_args.append(a)
    for key, value in outputs.items():
        arrays[f"out_{key}"] = None if value is None else np.asarray(value)
    meta = {
        "fn": fn,
        "args": meta_args,
        "kwargs": kwargs or {},
        "outputs": list(outputs),
        "torch": torch.__version__,
    }
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez_compressed(OUT / f"{name}.npz", meta=np.array(json.dumps(meta)), **arrays)


def grads(loss_fn, g, *tensors):
    leaves = [None if a is None else t(a).requires_grad_() for a in tensors]
    loss_fn(*leaves).backward(t(g))
    return [None if leaf is None else leaf.grad.numpy() for leaf in leaves]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    rng = np.random.default_rng(1234)
    for dtype in (np.float32, np.float64):
        tag = np.dtype(dtype).name
        for shape in [(6, 4), (3, 4, 5, 2)]:
            c = shape[1]
            sh = "x".join(map(str, shape))
            x = rng.normal(2.0, 3.0, shape).astype(dtype)
            g = rng.normal(size=shape).astype(dtype)
            w, b = rng.normal(size=c).astype(dtype), rng.normal(size=c).astype(dtype)
            rm, rv = rng.normal(size=c).astype(dtype), rng.uniform(0.5, 2, c).astype(dtype)
            for training in (True, False):
                trm, trv = t(rm), t(rv)
                out = F.batch_norm(t(x), trm, trv, t(w), t(b), training, 0.3, 1e-4).numpy()
                save(
                    f"batch_norm_{'train' if training else 'eval'}_{sh}_{tag}",
                    "batch_norm",
                    [x, rm, rv, w, b, training, 0.3, 1e-4],
                    {"out": out, "running_mean": trm.numpy(), "running_var": trv.numpy()},
                )
            dx, dw, db = grads(
                lambda x_, w_, b_: F.batch_norm(x_, None, None, w_, b_, True), g, x, w, b
            )
            save(
                f"batch_norm_backward_{sh}_{tag}",
                "batch_norm_backward",
                [g, x, w],
                {"dx": dx, "dw": dw, "db": db},
            )
            trm, trv = t(rm), t(rv)
            if len(shape) > 2:
                out = F.instance_norm(t(x), trm, trv, t(w), t(b), True, 0.2).numpy()
                save(
                    f"instance_norm_{sh}_{tag}",
                    "instance_norm",
                    [x, rm, rv, w, b, True, 0.2],
                    {"out": out, "running_mean": trm.numpy(), "running_var": trv.numpy()},
                )
                out = F.group_norm(t(x), 2, t(w), t(b)).numpy()
                save(f"group_norm_{sh}_{tag}", "group_norm", [x, 2, w, b], {"out": out})
                dx, dw, db = grads(lambda x_, w_, b_: F.group_norm(x_, 2, w_, b_), g, x, w, b)
                save(
                    f"group_norm_backward_{sh}_{tag}",
                    "group_norm_backward",
                    [g, x, 2, w, b],
                    {"dx": dx, "dw": dw, "db": db},
                )
            ns = list(shape[-2:])
            lw, lb = rng.normal(size=ns).astype(dtype), rng.normal(size=ns).astype(dtype)
            save(
                f"layer_norm_{sh}_{tag}",
                "layer_norm",
                [x, ns, lw, lb],
                {"out": F.layer_norm(t(x), ns, t(lw), t(lb)).numpy()},
            )
            dx, dw, db = grads(lambda x_, w_, b_, ns=ns: F.layer_norm(x_, ns, w_, b_), g, x, lw, lb)
            save(
                f"layer_norm_backward_{sh}_{tag}",
                "layer_norm_backward",
                [g, x, ns, lw, lb],
                {"dx": dx, "dw": dw, "db": db},
            )
            save(
                f"rms_norm_{sh}_{tag}",
                "rms_norm",
                [x, ns, lw],
                {"out": F.rms_norm(t(x), ns, t(lw)).numpy()},
            )
            dx, dw = grads(lambda x_, w_, ns=ns: F.rms_norm(x_, ns, w_), g, x, lw)
            save(
                f"rms_norm_backward_{sh}_{tag}",
                "rms_norm_backward",
                [g, x, ns, lw],
                {"dx": dx, "dw": dw},
            )
    # a module sequence: momentum=None (cumulative average) over three batches, then eval
    layer = torch.nn.BatchNorm2d(3, momentum=None)
    batches = rng.normal(1.0, 2.0, (4, 2, 3, 4, 4)).astype(np.float32)
    for batch in batches[:3]:
        layer(t(batch))
    layer.eval()
    with torch.no_grad():
        out = layer(t(batches[3])).numpy()
    save(
        "module_batchnorm2d_cumulative",
        "BatchNorm2d",
        [batches],
        {
            "out": out,
            "running_mean": layer.running_mean.numpy(),
            "running_var": layer.running_var.numpy(),
        },
        {"momentum": None},
    )
    print(f"wrote {len(list(OUT.glob('*.npz')))} fixtures to {OUT}")


if __name__ == "__main__":
    main()
