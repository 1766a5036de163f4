"""Statistics kernels: float64-accurate per-channel moments and the normalizing pass.

Every normalization layer reduces to one layout: a view ``x3`` of shape ``(A, C, B)`` with
statistics per ``C`` over axes 0 and 2 (batch norm: ``(N, C, prod(S))``; layer, group,
instance and RMS norm: ``(1, rows, row_length)``). This module computes those statistics
apart from normalizing (as flax does with ``_compute_stats`` / ``_normalize``).

Accuracy: NumPy inputs are cut into cache-sized tiles; each tile is converted to float64
and reduced with an exact two-pass (mean, then the sum of squared deviations), and the
tiles are merged with Chan's pairwise formula, so nothing is ever computed as
``E[x^2] - E[x]^2``. Speed: the tiles are independent, NumPy releases the GIL inside its
loops, so a small thread pool spreads them over the cores (``set_num_threads``). The tile
plan does not depend on the thread count, so results are bitwise reproducible.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "get_num_threads",
    "set_num_threads",
    "combine_moments",
    "channel_moments",
    "channel_mean_square",
    "channel_grad_sums",
    "apply_channel",
    "as_acb",
]

# Elements per tile: a float64 tile of this size (256 KiB) stays in L2.
_TILE = 1 << 16
# Below this many elements a thread pool costs more than it saves.
_PARALLEL_MIN = 1 << 18

_num_threads: int | None = None
_pool: ThreadPoolExecutor | None = None


_local = threading.local()


def _scratch(shape: tuple[int, ...], slot: int = 0) -> np.ndarray:
    """A per-thread float64 work array (re-used: fresh large arrays cost page faults)."""
    size = int(np.prod(shape))
    bufs = getattr(_local, "bufs", None)
    if bufs is None:
        bufs = _local.bufs = {}
    buf = bufs.get(slot)
    if buf is None or buf.size < size:
        buf = bufs[slot] = np.empty(max(size, _TILE))
    return buf[:size].reshape(shape)


def _sum_ac(d: np.ndarray) -> np.ndarray:
    """Sum of an (a, c, b) float64 tile over axes 0 and 2, on the cheapest 2-D view."""
    if d.shape[0] == 1:
        return np.add.reduce(d[0], axis=1)
    if d.shape[2] == 1:
        return np.add.reduce(d[:, :, 0], axis=0)
    return np.add.reduce(d, axis=(0, 2))


def _dot_ac(d: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``sum(d * e)`` over axes 0 and 2 of two (a, c, b) tiles."""
    if d.shape[0] == 1:
        return np.einsum("cb,cb->c", d[0], e[0])
    if d.shape[2] == 1:
        return np.einsum("ac,ac->c", d[:, :, 0], e[:, :, 0])
    return np.einsum("acb,acb->c", d, e)


def _default_threads() -> int:
    env = os.environ.get("NORMCORE_NUM_THREADS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def get_num_threads() -> int:
    """Threads normcore's NumPy kernels use (``NORMCORE_NUM_THREADS``, else the usable cores)."""
    global _num_threads
    if _num_threads is None:
        _num_threads = _default_threads()
    return _num_threads


def set_num_threads(n: int) -> None:
    """Use ``n >= 1`` threads for the NumPy kernels; ``1`` runs everything in the caller."""
    global _num_threads, _pool
    if int(n) < 1:
        raise ValueError(f"num_threads must be >= 1, got {n}")
    _num_threads = int(n)
    if _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None


def _map(fn: Callable[[Any], Any], items: Sequence[Any], size: int) -> list[Any]:
    """``[fn(i) for i in items]``, split into one contiguous run of items per thread.

    One task per thread (not per tile) keeps the pool's overhead and GIL hand-offs low.
    """
    global _pool
    threads = min(get_num_threads(), len(items))
    if threads <= 1 or size < _PARALLEL_MIN:
        return [fn(item) for item in items]
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=get_num_threads(), thread_name_prefix="normcore")
    bounds = [len(items) * k // threads for k in range(threads + 1)]
    runs = [items[bounds[k] : bounds[k + 1]] for k in range(threads)]
    results: list[Any] = []
    for part in _pool.map(lambda run: [fn(item) for item in run], runs):
        results.extend(part)
    return results


def _tiles(shape: tuple[int, int, int]) -> list[tuple[slice, slice, slice]]:
    """Cut an (A, C, B) array into tiles of about ``_TILE`` elements, channel ranges outermost."""
    a_len, c_len, b_len = shape
    if b_len >= _TILE:
        a_step, c_step, b_step = 1, 1, _TILE
    elif c_len * b_len >= _TILE:
        a_step, c_step, b_step = 1, max(1, _TILE // max(b_len, 1)), b_len
    else:
        a_step, c_step, b_step = max(1, _TILE // max(c_len * b_len, 1)), c_len, b_len
    return [
        (slice(a0, a0 + a_step), slice(c0, c0 + c_step), slice(b0, b0 + b_step))
        for c0 in range(0, c_len, c_step)
        for a0 in range(0, a_len, a_step)
        for b0 in range(0, b_len, max(b_step, 1))
    ]


def _gather(
    tiles: list[tuple[slice, slice, slice]], parts: list[tuple[Any, ...]], c_len: int
) -> list[list[tuple[Any, ...]]]:
    """Group per-tile results by channel range, in tile order."""
    groups: dict[int, list[tuple[Any, ...]]] = {}
    for (_, cs, _), part in zip(tiles, parts, strict=True):
        groups.setdefault(cs.start, []).append(part)
    return [groups[k] for k in sorted(groups)]


def combine_moments(counts: Any, means: Any, m2s: Any) -> tuple[Any, Any, Any]:
    """Chan et al.'s exact merge of K partial moments: ``counts (K,)``, ``means, m2s (K, C)``.

    ``m2`` is the sum of squared deviations from the partial mean. Returns the total count,
    mean ``(C,)`` and m2 ``(C,)``; partials with count 0 contribute nothing. Float64 in.
    """
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    weights = counts[:, None]
    mean = (weights * means).sum(axis=0) / total
    m2 = m2s.sum(axis=0) + (weights * (means - mean) ** 2).sum(axis=0)
    return total, mean, m2


# --------------------------------------------------------------------------- moments


def _tile_moments(tile: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """Exact two-pass moments of one tile: float64 copy, mean, then squared deviations."""
    n = tile.shape[0] * tile.shape[2]
    d = _scratch(tile.shape)
    np.copyto(d, tile)
    mean = _sum_ac(d) / n
    d -= mean[:, None]
    return n, mean, _dot_ac(d, d)


def channel_moments(x3: Any, xp: ModuleType = np) -> tuple[Any, Any]:
    """Per-channel float64 ``(mean, biased var)`` of an ``(A, C, B)`` array over axes 0 and 2."""
    a_len, c_len, b_len = x3.shape
    if xp is not np:
        x64 = xp.astype(x3, xp.float64)
        mean = xp.mean(x64, axis=(0, 2))
        d = x64 - mean[None, :, None]
        return mean, xp.mean(d * d, axis=(0, 2))
    if a_len * b_len == 0:
        nan = np.full(c_len, np.nan)
        return nan, nan.copy()
    tiles = _tiles(x3.shape)
    parts = _map(lambda t: _tile_moments(x3[t]), tiles, x3.size)
    means, variances = [], []
    for group in _gather(tiles, parts, c_len):
        if len(group) == 1:
            n, mean, m2 = group[0]
        else:
            n, mean, m2 = combine_moments(
                [g[0] for g in group],
                np.stack([g[1] for g in group]),
                np.stack([g[2] for g in group]),
            )
        means.append(mean)
        variances.append(m2 / n)
    return np.concatenate(means), np.concatenate(variances)


def channel_mean_square(x3: Any, xp: ModuleType = np) -> Any:
    """Per-channel float64 ``mean(x**2)`` of an ``(A, C, B)`` array over axes 0 and 2."""
    a_len, c_len, b_len = x3.shape
    if xp is not np:
        x64 = xp.astype(x3, xp.float64)
        return xp.mean(x64 * x64, axis=(0, 2))
    if a_len * b_len == 0:
        return np.full(c_len, np.nan)

    def tile_sum(t: tuple[slice, slice, slice]) -> tuple[np.ndarray]:
        d = _scratch(x3[t].shape)
        np.copyto(d, x3[t])
        return (_dot_ac(d, d),)

    tiles = _tiles(x3.shape)
    parts = _map(tile_sum, tiles, x3.size)
    sums = [np.sum([g[0] for g in group], axis=0) for group in _gather(tiles, parts, c_len)]
    return np.concatenate(sums) / (a_len * b_len)


def channel_grad_sums(dy3: Any, x3: Any, center: Any, xp: ModuleType = np) -> tuple[Any, Any]:
    """Per-channel float64 ``(sum(dy), sum(dy * (x - center)))`` over axes 0 and 2."""
    c_len = x3.shape[1]
    if xp is not np:
        dy64 = xp.astype(dy3, xp.float64)
        d = xp.astype(x3, xp.float64) - center[None, :, None]
        return xp.sum(dy64, axis=(0, 2)), xp.sum(dy64 * d, axis=(0, 2))

    def tile_sums(t: tuple[slice, slice, slice]) -> tuple[np.ndarray, np.ndarray]:
        g = _scratch(dy3[t].shape, 1)
        np.copyto(g, dy3[t])
        d = _scratch(x3[t].shape)
        np.subtract(x3[t], center[t[1], None], out=d)
        return _sum_ac(g), _dot_ac(g, d)

    if x3.size == 0:
        return np.zeros(c_len), np.zeros(c_len)
    tiles = _tiles(x3.shape)
    parts = _map(tile_sums, tiles, x3.size)
    s1, s2 = [], []
    for group in _gather(tiles, parts, c_len):
        s1.append(np.sum([g[0] for g in group], axis=0))
        s2.append(np.sum([g[1] for g in group], axis=0))
    return np.concatenate(s1), np.concatenate(s2)


# --------------------------------------------------------------------------- normalizing


def apply_channel(
    x3: Any,
    center: Any,
    scale: Any,
    shift: Any,
    xp: ModuleType = np,
    *,
    col_scale: Any = None,
    col_shift: Any = None,
    extra: tuple[Any, Any] | None = None,
    spread: Any = None,
) -> Any:
    """``((x - center[c]) * scale[c] + shift[c]) * col_scale[b] + col_shift[b]`` in x's dtype.

    ``center``, ``scale``, ``shift`` are float64 ``(C,)`` (``center``/``shift`` may be None);
    ``col_scale``/``col_shift`` are ``(B,)`` or None. ``extra=(y3, coef)`` adds
    ``coef[c] * y`` (the backward pass's ``dy`` term). In low precision the center is first
    rounded to x's dtype (``x - center_in`` is then exact or nearly so) and the rounding is
    folded into the shift, which keeps large-mean, small-spread data accurate. When the
    caller gives ``spread`` (the std behind ``center``) and every ``|center| <= 2 * spread``,
    the pass is fused to ``x * scale + (shift - center * scale)``: one fewer sweep, and its
    rounding error is then within a few units of the output's last place anyway.
    """
    dtype = x3.dtype
    if xp is not np:
        out = xp.astype(x3, xp.float64)
        if center is not None:
            out = out - center[None, :, None]
        out = out * scale[None, :, None]
        if shift is not None:
            out = out + shift[None, :, None]
        if extra is not None:
            out = out + xp.astype(extra[0], xp.float64) * extra[1][None, :, None]
        if col_scale is not None:
            out = out * xp.astype(col_scale, xp.float64)[None, None, :]
        if col_shift is not None:
            out = out + xp.astype(col_shift, xp.float64)[None, None, :]
        return xp.astype(out, dtype)

    shift64 = np.zeros_like(scale) if shift is None else np.array(shift, dtype=np.float64)
    center_in = None
    if center is not None and spread is not None and np.all(np.abs(center) <= 2 * spread):
        shift64 = shift64 - center * scale
        center = None
    if center is not None:
        center_in = center.astype(dtype)
        shift64 = shift64 + (center_in.astype(np.float64) - center) * scale
    scale_in = scale.astype(dtype)[:, None]
    shift_in = shift64.astype(dtype)[:, None] if np.any(shift64) else None
    if center_in is not None:
        center_in = center_in[:, None]
    coef_in = extra[1].astype(dtype)[:, None] if extra is not None else None
    col_scale_in = None if col_scale is None else np.asarray(col_scale, dtype=dtype)
    col_shift_in = None if col_shift is None else np.asarray(col_shift, dtype=dtype)
    out = np.empty(x3.shape, dtype=dtype)

    def tile_apply(t: tuple[slice, slice, slice]) -> None:
        cs, bs = t[1], t[2]
        o = out[t]
        if center_in is not None:
            np.subtract(x3[t], center_in[cs], out=o)
            o *= scale_in[cs]
        else:
            np.multiply(x3[t], scale_in[cs], out=o)
        if shift_in is not None:
            o += shift_in[cs]
        if coef_in is not None:
            o += extra[0][t] * coef_in[cs]
        if col_scale_in is not None:
            o *= col_scale_in[bs]
        if col_shift_in is not None:
            o += col_shift_in[bs]

    _map(tile_apply, _tiles(x3.shape), x3.size)
    return out


# --------------------------------------------------------------------------- layouts


def as_acb(x: Any, axis: Sequence[int], xp: ModuleType = np) -> tuple[Any, tuple[int, ...]]:
    """View ``x`` as ``(A, C, B)`` with the axes *not* in ``axis`` collapsed into C.

    Returns the 3-D array and the shape of the kept axes. A view when the kept axes are
    consecutive (the usual case: batch norm's channel axis, layer norm's leading axes),
    else a transposed copy.
    """
    ndim = x.ndim
    reduced = sorted({a % ndim for a in axis}) if ndim else []
    kept = [a for a in range(ndim) if a not in reduced]
    kept_shape = tuple(x.shape[a] for a in kept)
    c_len = int(np.prod(kept_shape, dtype=np.int64)) if kept else 1
    if not kept or kept == list(range(kept[0], kept[-1] + 1)):
        first = kept[0] if kept else ndim
        a_len = int(np.prod(x.shape[:first], dtype=np.int64))
        b_len = int(np.prod(x.shape[first + len(kept) :], dtype=np.int64))
        return xp.reshape(x, (a_len, c_len, b_len)), kept_shape
    moved = xp.permute_dims(x, tuple(kept + reduced))
    b_len = int(np.prod([x.shape[a] for a in reduced], dtype=np.int64))
    return xp.reshape(moved, (1, c_len, b_len)), kept_shape
