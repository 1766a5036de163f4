"""``python -m normcore bench``: normcore's batch norm against PyTorch CPU at one thread count.

Rows: forward-train, forward-eval and backward on float32 inputs. PyTorch's backward is its
native kernel given the statistics saved by its forward; normcore's ``batch_norm_backward``
recomputes them (its signature has no saved statistics), so that row is the stricter test.
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


def _time(fn: Callable[[], object], repeat: int, min_time: float = 0.2) -> float:
    """Median seconds per call over ``repeat`` rounds (each round at least a few calls)."""
    fn()  # warm-up: page faults, thread pools, lazy imports
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-6)
    inner = max(1, int(min_time / repeat / once))
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        rounds.append((time.perf_counter() - start) / inner)
    return statistics.median(rounds)


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
        f"{threads} thread(s), float32, median of {repeat} rounds (ms)"
    )
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
            trm, trv = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
            _, save_mean, save_invstd = torch.ops.aten.native_batch_norm(
                tx, tw, tb, None, None, True, 0.1, 1e-5
            )

            def torch_train(tx=tx, tw=tw, tb=tb, trm=trm, trv=trv) -> object:
                with torch.no_grad():
                    return torch.nn.functional.batch_norm(tx, trm, trv, tw, tb, True, 0.1, 1e-5)

            def torch_eval(tx=tx, tw=tw, tb=tb, trm=trm, trv=trv) -> object:
                with torch.no_grad():
                    return torch.nn.functional.batch_norm(tx, trm, trv, tw, tb, False, 0.1, 1e-5)

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
            t_ours = _time(fn, repeat) * 1e3
            if name in theirs:
                t_theirs = _time(theirs[name], repeat) * 1e3
                ratio = t_ours / t_theirs
                worst = max(worst, ratio)
                print(
                    f"{str(shape):<20} {name:<14} {t_ours:>10.2f} {t_theirs:>10.2f} {ratio:>6.2f}x"
                )
            else:
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
