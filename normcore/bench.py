"""``python -m normcore bench``: normcore's batch norm against PyTorch CPU at one thread count.

Rows: forward-train, forward-eval and backward on float32 inputs. PyTorch's backward is
``torch.ops.aten.native_batch_norm_backward`` given the mean and inverse std saved by its
forward (the backward computation only, no autograd graph); normcore's
``batch_norm_backward`` recomputes the statistics (its signature has no saved statistics),
so that row is the stricter test for normcore.

How both sides are timed: the same input buffers (``torch.from_numpy`` shares them), a fresh
output per call on both sides, eager calls under ``torch.no_grad()``, the same thread count
(``torch.set_num_threads`` and ``normcore.set_num_threads``), warm-up calls first, then
rounds that alternate normcore and PyTorch so that both see the same machine load, median
over the rounds. Each side's result is checked against the other's once, so neither can be
timing a no-op. Inputs are re-used call after call, so inputs that fit in the last-level
cache are timed warm on both sides.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Sequence

import numpy as np

from . import _stats
from .functional import batch_norm, batch_norm_backward

DEFAULT_SHAPES = ((32, 64, 56, 56), (256, 1024), (8, 3, 224, 224))


def _calls_per_round(fn: Callable[[], object], repeat: int, min_time: float) -> int:
    for _ in range(2):  # warm-up: page faults, thread pools, lazy imports
        fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-6)
    return max(1, int(min_time / repeat / once))


def _round(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def _time(fn: Callable[[], object], repeat: int, min_time: float = 0.2) -> float:
    """Median seconds per call over ``repeat`` rounds (each round at least a few calls)."""
    calls = _calls_per_round(fn, repeat, min_time)
    return statistics.median(_round(fn, calls) for _ in range(repeat))


def _time_pair(
    ours: Callable[[], object], theirs: Callable[[], object], repeat: int, min_time: float = 0.4
) -> tuple[float, float]:
    """Median seconds per call of two functions timed in alternating rounds."""
    calls_ours = _calls_per_round(ours, repeat, min_time / 2)
    calls_theirs = _calls_per_round(theirs, repeat, min_time / 2)
    t_ours, t_theirs = [], []
    for _ in range(repeat):
        t_ours.append(_round(ours, calls_ours))
        t_theirs.append(_round(theirs, calls_theirs))
    return statistics.median(t_ours), statistics.median(t_theirs)


def _first(result: object) -> np.ndarray:
    """The output array of a normcore or PyTorch result, as NumPy."""
    out = result[0] if isinstance(result, tuple | list) else result
    return out if isinstance(out, np.ndarray) else out.numpy()


def _check_same(name: str, shape: tuple[int, ...], ours: object, theirs: object) -> None:
    a, b = _first(ours), _first(theirs)
    scale = float(np.max(np.abs(b))) or 1.0
    err = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) / scale
    if not err < 1e-4:
        raise SystemExit(f"bench: {name} {shape}: normcore and PyTorch disagree ({err:.2e})")


def _parse_shape(text: str) -> tuple[int, ...]:
    return tuple(int(s) for s in text.lower().replace("x", ",").split(",") if s.strip())


def run(shapes: Sequence[tuple[int, ...]], threads: int, repeat: int) -> int:
    _stats.set_num_threads(threads)
    try:
        import torch
    except ImportError:
        torch = None
        print(
            "PyTorch is not installed: timing normcore alone (pip install torch==2.13.0 to compare)."
        )
    if torch is not None:
        torch.set_num_threads(threads)
    print(
        f"normcore batch norm vs PyTorch {torch.__version__ if torch else '(missing)'} CPU, "
        f"float32, median of {repeat} alternating rounds (ms)"
    )
    print(
        f"threads: normcore {_stats.get_num_threads()} (its pool; NumPy's own kernels are "
        f"single-threaded, BLAS dots are kept below OpenBLAS's threading size)"
        + (f", torch {torch.get_num_threads()} (intra-op)" if torch is not None else "")
    )
    print(
        "torch backward = aten.native_batch_norm_backward with the forward's saved mean/invstd; "
        "normcore's backward recomputes them"
    )
    if hasattr(os, "getloadavg"):
        print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    header = f"{'shape':<20} {'pass':<14} {'normcore':>10} {'torch':>10} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    worst = 0.0
    for shape in shapes:
        c = shape[1]
        x = (rng.standard_normal(shape, dtype=np.float32) * 2.0 + 0.5).astype(np.float32)
        g = rng.standard_normal(shape, dtype=np.float32)
        w = rng.random(c, dtype=np.float32) + 0.5
        b = rng.standard_normal(c, dtype=np.float32)
        rm = np.zeros(c, np.float32)
        rv = np.ones(c, np.float32)
        ours = {
            "forward-train": lambda x=x, w=w, b=b, rm=rm, rv=rv: batch_norm(x, rm, rv, w, b, True),
            "forward-eval": lambda x=x, w=w, b=b, rm=rm, rv=rv: batch_norm(x, rm, rv, w, b, False),
            "backward": lambda x=x, g=g, w=w: batch_norm_backward(g, x, w),
        }
        theirs: dict[str, Callable[[], object]] = {}
        if torch is not None:
            tx, tg, tw, tb = (torch.from_numpy(a) for a in (x, g, w, b))
            # Separate running-stat buffers: forward-train updates its own in place, so
            # forward-eval must not read them (normcore's eval uses the unchanged rm, rv).
            trm, trv = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
            erm, erv = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
            _, save_mean, save_invstd = torch.ops.aten.native_batch_norm(
                tx, tw, tb, None, None, True, 0.1, 1e-5
            )

            def torch_train(tx=tx, tw=tw, tb=tb, trm=trm, trv=trv) -> object:
                with torch.no_grad():
                    return torch.nn.functional.batch_norm(tx, trm, trv, tw, tb, True, 0.1, 1e-5)

            def torch_eval(tx=tx, tw=tw, tb=tb, erm=erm, erv=erv) -> object:
                with torch.no_grad():
                    return torch.nn.functional.batch_norm(tx, erm, erv, tw, tb, False, 0.1, 1e-5)

            def torch_backward(tg=tg, tx=tx, tw=tw, sm=save_mean, si=save_invstd) -> object:
                return torch.ops.aten.native_batch_norm_backward(
                    tg, tx, tw, None, None, sm, si, True, 1e-5, [True, True, True]
                )

            theirs = {
                "forward-train": torch_train,
                "forward-eval": torch_eval,
                "backward": torch_backward,
            }
        for name, fn in ours.items():
            if name in theirs:
                with torch.no_grad():
                    _check_same(name, shape, fn(), theirs[name]())
                t_ours, t_theirs = (t * 1e3 for t in _time_pair(fn, theirs[name], repeat))
                ratio = t_ours / t_theirs
                worst = max(worst, ratio)
                print(
                    f"{str(shape):<20} {name:<14} {t_ours:>10.2f} {t_theirs:>10.2f} {ratio:>6.2f}x"
                )
            else:
                t_ours = _time(fn, repeat) * 1e3
                print(f"{str(shape):<20} {name:<14} {t_ours:>10.2f} {'-':>10} {'-':>7}")
    if torch is not None:
        print(f"worst ratio {worst:.2f}x (goal: <= 1.5x)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m normcore bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("NORMCORE_NUM_THREADS", 0)) or _stats.get_num_threads(),
        help="threads for both libraries (default: NORMCORE_NUM_THREADS or the usable cores)",
    )
    parser.add_argument("--repeat", type=int, default=7, help="timed rounds per row (median)")
    parser.add_argument(
        "--shape",
        action="append",
        type=_parse_shape,
        help="an input shape such as 32,64,56,56 (repeatable; default: the three issue shapes)",
    )
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error("--threads must be >= 1")
    return run(args.shape or DEFAULT_SHAPES, args.threads, args.repeat)
