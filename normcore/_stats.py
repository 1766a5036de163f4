"""Statistics kernels: float64-accurate per-channel moments and the normalizing pass.

Every normalization layer reduces to one layout: a view ``x3`` of shape ``(A, C, B)`` with
statistics per ``C`` over axes 0 and 2 (batch norm: ``(N, C, prod(S))``; layer, group,
instance and RMS norm: ``(1, rows, row_length)``). This module computes those statistics
apart from normalizing (as flax does with ``_compute_stats`` / ``_normalize``).

Accuracy: NumPy inputs are cut into cache-sized tiles; each tile is converted to float64
and reduced with an exact two-pass (mean, then the sum of squared deviations), and the
tiles are merged with Chan's pairwise formula, so nothing is ever computed as
``E[x^2] - E[x]^2``. Speed: the tiles are independent and NumPy's ufuncs and einsum release
the GIL inside their loops, so a small thread pool spreads them over the cores
(``set_num_threads``); ``np.vecdot`` (BLAS) holds the GIL, so it is called once per tile.
The tile plan does not depend on the thread count, so results are bitwise reproducible.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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
    "channel_moments_grad",
    "apply_channel",
    "as_acb",
]

# Elements per moment tile (a 4 MiB float64 work array, in L3). NumPy's per-call overhead,
# not cache misses, dominates smaller tiles on this kind of machine, and with two threads
# every call is also a GIL hand-off (tens of microseconds when the other thread holds it):
# 2^19 was 5-10% faster than 2^18 at 1 thread and 10-25% at 2 (2^16-2^20 measured).
_TILE = 1 << 19
# Elements per tile of the normalizing pass (input dtype, in place in the output).
_APPLY_TILE = 1 << 17
# Arrays up to this many elements are one tile (Python overhead dominates there).
_SMALL = 1 << 18
# Rows at least this long are reduced row by row (row mode), shorter ones by columns.
_ROW_MIN = 16
# Longest dot product handed to BLAS in one call (OpenBLAS threads ddot above 10000).
_DOT_MAX = 8192
# Below this many elements a thread pool costs more than it saves: with two threads each
# NumPy call may wait for the GIL (and a thread wake-up) while the other thread holds it,
# which made (8, 3, 224, 224) (1.2M elements) 10-30% slower at 2 threads than at 1, while
# 2.4M elements already gained 10-20%.
_PARALLEL_MIN = 1 << 21
# NumPy ufunc buffer size (elements) inside the kernels, see _ufunc_buffers.
_BUFSIZE = 1024

_num_threads: int | None = None
_pool: ThreadPoolExecutor | None = None


_local = threading.local()


def _scratch(shape: tuple[int, ...], slot: int = 0, dtype: Any = np.float64) -> np.ndarray:
    """A per-thread work array (re-used: fresh large arrays cost page faults)."""
    size = math.prod(shape)
    bufs = getattr(_local, "bufs", None)
    if bufs is None:
        bufs = _local.bufs = {}
    key = (slot, np.dtype(dtype).char)
    buf = bufs.get(key)
    if buf is None or buf.size < size:
        buf = bufs[key] = np.empty(max(size, _TILE), dtype=dtype)
    return buf[:size].reshape(shape)


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


@contextmanager
def _ufunc_buffers() -> Iterator[None]:
    """Run NumPy ufuncs with a small buffer (``_BUFSIZE`` elements) in this thread.

    A ufunc whose operand is broadcast along an inner axis (``x * scale[c]`` over rows of
    ``B`` values, or a ``(C,)`` row over ``(N, C)`` input) cannot collapse its loops into
    one; when the inner rows are shorter than the buffer (default 8192 elements) NumPy
    copies the operands through that buffer, which made these kernels' broadcast
    ``x * scale`` / ``x - mean`` 1.7-2.7x slower than an elementwise product. With a
    buffer no longer than the rows the loops run on the arrays directly. ``np.errstate``
    restores the caller's buffer size (it is thread-local, so each worker sets its own).
    """
    with np.errstate():
        np.setbufsize(_BUFSIZE)
        yield


def _run(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """``[fn(i) for i in items]`` in this thread, under :func:`_ufunc_buffers`."""
    with _ufunc_buffers():
        return [fn(item) for item in items]


def _map(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    size: int,
    weights: Sequence[int] | None = None,
) -> list[Any]:
    """``[fn(i) for i in items]``, split into one contiguous run of items per thread.

    One task per thread (not per tile) keeps the pool's overhead and GIL hand-offs low.
    The runs carry equal shares of ``weights`` (each item's element count; equal if None),
    since the slowest run sets the time. The calling thread works the last run itself
    instead of sleeping on the pool: one thread wake-up fewer per call.
    """
    global _pool
    threads = min(get_num_threads(), len(items))
    if threads <= 1 or size < _PARALLEL_MIN:
        return _run(fn, items)
    if _pool is None:
        _pool = ThreadPoolExecutor(
            max_workers=max(1, get_num_threads() - 1), thread_name_prefix="normcore"
        )
    if weights is None:
        bounds = [len(items) * k // threads for k in range(threads + 1)]
    else:
        # Cut where the running total of the weights comes nearest k / threads of the whole.
        cum = np.cumsum(weights)
        cuts = [int(np.argmin(np.abs(cum - cum[-1] * k / threads))) + 1 for k in range(1, threads)]
        bounds = [0, *cuts, len(items)]
    runs = [items[bounds[k] : bounds[k + 1]] for k in range(threads)]
    futures = [_pool.submit(_run, fn, run) for run in runs[:-1]]
    last = _run(fn, runs[-1])
    results: list[Any] = []
    for future in futures:
        results.extend(future.result())
    results.extend(last)
    return results


def _even_steps(length: int, most: int) -> list[int]:
    """Bounds cutting ``range(length)`` into the fewest near-equal parts of at most ``most``."""
    parts = max(1, -(-length // max(most, 1)))
    return [length * k // parts for k in range(parts + 1)]


def _tiles(
    shape: tuple[int, int, int], tile: int = _APPLY_TILE
) -> tuple[list[tuple[slice, slice, slice]], list[int]]:
    """Cut an (A, C, B) array into tiles of about ``tile`` elements, channel ranges outermost.

    Returns the tiles and their element counts. Ranges are cut into near-equal parts (not
    ``tile``-sized parts and a remainder), so the threads' shares stay balanced.
    """
    a_len, c_len, b_len = shape
    if b_len >= tile:
        ab, cb, bb = _even_steps(a_len, 1), _even_steps(c_len, 1), _even_steps(b_len, tile)
    elif c_len * b_len >= tile:
        ab, cb = _even_steps(a_len, 1), _even_steps(c_len, tile // max(b_len, 1))
        bb = [0, b_len]
    else:
        ab = _even_steps(a_len, tile // max(c_len * b_len, 1))
        cb, bb = [0, c_len], [0, b_len]
    tiles, sizes = [], []
    for c0, c1 in zip(cb[:-1], cb[1:], strict=True):
        for a0, a1 in zip(ab[:-1], ab[1:], strict=True):
            for b0, b1 in zip(bb[:-1], bb[1:], strict=True):
                tiles.append((slice(a0, a1), slice(c0, c1), slice(b0, b1)))
                sizes.append((a1 - a0) * (c1 - c0) * (b1 - b0))
    return tiles, sizes


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


def _row_sum(g: np.ndarray) -> np.ndarray:
    """``sum(g, axis=-1)`` of a C-contiguous float64 work array.

    ``np.einsum`` sums contiguous rows with SIMD accumulators: 1.5x faster than
    ``np.add.reduce`` on these tiles (0.13 vs 0.19 ns per element), and it releases the GIL.
    """
    return np.einsum("...b->...", g)


def _row_dot(g: np.ndarray, h: np.ndarray) -> np.ndarray:
    """``sum(g * h, axis=-1)`` of C-contiguous float64 work arrays (leading axes broadcast).

    ``np.vecdot`` calls BLAS ``ddot`` once per row; OpenBLAS runs a ``ddot`` longer than
    10000 elements on its own thread pool, which on a busy 2-core machine (and inside
    normcore's threads) is many times slower, so long rows are cut into shorter pieces.
    NumPy holds the GIL for the whole call (its BLAS loops do not release it), so the
    kernels call it as rarely as they can: once per tile for all rows.
    """
    b_len = g.shape[-1]
    if b_len <= _DOT_MAX:
        return np.vecdot(g, h)
    q = -(-b_len // _DOT_MAX)
    piece = b_len // q
    main = q * piece
    gm = g[..., :main].reshape(*g.shape[:-1], q, piece)
    hm = h[..., :main].reshape(*h.shape[:-1], q, piece)
    out = np.add.reduce(np.vecdot(gm, hm), axis=-1)
    if main < b_len:
        out += np.vecdot(g[..., main:], h[..., main:])
    return out


def _plan(shape: tuple[int, int, int]) -> tuple[bool, list[tuple[int, ...]], np.ndarray]:
    """Tiles for the moment kernels of an ``(A, C, B)`` array, and each partial's count.

    Every tile yields float64 partial statistics stored in ``(K0, C, K2)`` arrays:

    - row mode (``B >= _ROW_MIN``): a tile holds whole ``(a, c)`` rows, or one of ``K2``
      equal chunks of long rows; partials per row and chunk, at ``[a, c, chunk]``;
    - column mode (short rows, e.g. 2-D batch-norm input ``(N, C, 1)``): a tile holds a run
      of ``a`` values; partials per column, at ``[run, c, b]``.

    Returns ``(row_mode, tiles, counts)``: tiles are ``(a0, a1, c0, c1, b0, b1, k0, k2)``,
    ``counts`` is each partial's count, broadcastable to ``(K0, 1, K2)``. The plan depends on
    the shape only (never on the thread count), so results are bitwise reproducible.
    """
    a_len, c_len, b_len = shape
    size = a_len * c_len * b_len
    tile = size if size <= _SMALL else _TILE
    # Ranges are cut into near-equal parts, so the threads' shares stay balanced.
    if b_len >= _ROW_MIN:
        bb = _even_steps(b_len, tile)
        cb = _even_steps(c_len, tile // bb[1])
        ab = _even_steps(a_len, tile // (cb[1] * bb[1])) if len(cb) == 2 else _even_steps(a_len, 1)
        tiles = [
            (a0, a1, c0, c1, b0, b1, 0, k)
            for c0, c1 in zip(cb[:-1], cb[1:], strict=True)
            for a0, a1 in zip(ab[:-1], ab[1:], strict=True)
            for k, (b0, b1) in enumerate(zip(bb[:-1], bb[1:], strict=True))
        ]
        counts = np.diff(np.array(bb, dtype=np.float64))[None, None, :]
        return True, tiles, counts
    ab = _even_steps(a_len, tile // max(c_len * b_len, 1))
    cb = _even_steps(c_len, tile // max(ab[1] * b_len, 1))
    tiles = [
        (ab[k], ab[k + 1], c0, c1, 0, b_len, k, 0)
        for c0, c1 in zip(cb[:-1], cb[1:], strict=True)
        for k in range(len(ab) - 1)
    ]
    counts = np.diff(np.array(ab, dtype=np.float64))[:, None, None]
    return False, tiles, counts


def _tile_sizes(tiles: list[tuple[int, ...]]) -> list[int]:
    """Element counts of :func:`_plan` tiles (the weights that balance the threads)."""
    return [(a1 - a0) * (c1 - c0) * (b1 - b0) for a0, a1, c0, c1, b0, b1, _, _ in tiles]


def _partials(x3: np.ndarray, dy3: np.ndarray | None) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Per-tile exact two-pass moments (and gradient sums), see :func:`_plan`.

    For each partial: ``mean``, ``m2 = sum((x - mean)**2)`` and, with ``dy3``,
    ``sum(dy)`` and ``sum(dy * (x - mean))``, all float64. A tile is copied once into a
    float64 work array that stays in cache; the float32 input is read from memory once.
    """
    a_len, c_len, b_len = x3.shape
    row_mode, tiles, counts = _plan(x3.shape)
    k0, k2 = (a_len, counts.shape[2]) if row_mode else (counts.shape[0], b_len)
    n_out = 2 if dy3 is None else 4
    outs = tuple(np.empty((k0, c_len, k2)) for _ in range(n_out))

    def tile_stats(t: tuple[int, ...]) -> None:
        a0, a1, c0, c1, b0, b1, i0, i2 = t
        v = x3[a0:a1, c0:c1, b0:b1]
        if row_mode:
            # x and dy side by side in one work array, so that one call sums both and one
            # vecdot gives both sum((x - m)**2) and sum(dy * (x - m)): fewer NumPy calls,
            # i.e. less per-call overhead and fewer GIL hand-offs between the threads.
            w = _scratch((n_out // 2, *v.shape))
            g = w[0]
            np.copyto(g, v)
            if dy3 is not None:
                np.copyto(w[1], dy3[a0:a1, c0:c1, b0:b1])
            sums = _row_sum(w)
            mean = sums[0] / (b1 - b0)
            g -= mean[:, :, None]
            dots = _row_dot(w, g)
            res = [mean, dots[0]] if dy3 is None else [mean, dots[0], sums[1], dots[1]]
            for arr, r in zip(outs, res, strict=True):
                arr[a0:a1, c0:c1, i2] = r
        else:
            g = _scratch(v.shape)
            np.copyto(g, v)
            mean = np.add.reduce(g, axis=0)
            mean /= a1 - a0
            g -= mean
            res = [mean, np.einsum("acb,acb->cb", g, g)]
            if dy3 is not None:
                h = _scratch(v.shape, 1)
                np.copyto(h, dy3[a0:a1, c0:c1, b0:b1])
                res += [np.add.reduce(h, axis=0), np.einsum("acb,acb->cb", h, g)]
            for arr, r in zip(outs, res, strict=True):
                arr[i0, c0:c1, :] = r

    _map(tile_stats, tiles, x3.size, _tile_sizes(tiles))
    return counts, outs


def _merge(counts: np.ndarray, parts: tuple[np.ndarray, ...], total: int) -> tuple[np.ndarray, ...]:
    """Chan's exact merge of the ``(K0, C, K2)`` partials over axes 0 and 2.

    Returns ``(mean, m2)`` and, with gradient partials, ``(sum_dy, sum(dy * (x - mean)))``:
    ``sum(dy * (x - mean)) = sum_k [p_k + (mean_k - mean) * sum_dy_k]``.
    """
    means, m2s = parts[0], parts[1]
    if means.shape[0] * means.shape[2] == 1:
        return tuple(p[0, :, 0] for p in parts)
    mean = np.add.reduce(means * counts, axis=(0, 2)) / total
    dev = means - mean[None, :, None]
    m2 = np.add.reduce(m2s, axis=(0, 2)) + np.add.reduce(counts * dev * dev, axis=(0, 2))
    if len(parts) == 2:
        return mean, m2
    sum_dy = np.add.reduce(parts[2], axis=(0, 2))
    sum_dy_xc = np.add.reduce(parts[3] + dev * parts[2], axis=(0, 2))
    return mean, m2, sum_dy, sum_dy_xc


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
    counts, parts = _partials(x3, None)
    mean, m2 = _merge(counts, parts, a_len * b_len)
    return mean, m2 / (a_len * b_len)


def channel_moments_grad(x3: Any, dy3: Any, xp: ModuleType = np) -> tuple[Any, Any, Any, Any]:
    """``(mean, biased var, sum(dy), sum(dy * (x - mean)))`` per channel, float64, one sweep.

    The NumPy path reads ``x`` and ``dy`` once: each tile's partial ``sum(dy * (x - m_k))``
    about its own mean ``m_k`` is moved to the channel mean exactly by ``(m_k - mean) *
    sum_k(dy)``.
    """
    a_len, c_len, b_len = x3.shape
    if xp is not np:
        mean, var = channel_moments(x3, xp)
        return (mean, var, *channel_grad_sums(dy3, x3, mean, xp))
    if a_len * b_len == 0:
        nan = np.full(c_len, np.nan)
        return nan, nan.copy(), np.zeros(c_len), np.zeros(c_len)
    counts, parts = _partials(x3, dy3)
    mean, m2, sum_dy, sum_dy_xc = _merge(counts, parts, a_len * b_len)
    return mean, m2 / (a_len * b_len), sum_dy, sum_dy_xc


def channel_mean_square(x3: Any, xp: ModuleType = np) -> Any:
    """Per-channel float64 ``mean(x**2)`` of an ``(A, C, B)`` array over axes 0 and 2."""
    a_len, c_len, b_len = x3.shape
    if xp is not np:
        x64 = xp.astype(x3, xp.float64)
        return xp.mean(x64 * x64, axis=(0, 2))
    if a_len * b_len == 0:
        return np.full(c_len, np.nan)
    row_mode, tiles, counts = _plan(x3.shape)
    k0, k2 = (a_len, counts.shape[2]) if row_mode else (counts.shape[0], b_len)
    sums = np.empty((k0, c_len, k2))

    def tile_sum(t: tuple[int, ...]) -> None:
        a0, a1, c0, c1, b0, b1, i0, i2 = t
        v = x3[a0:a1, c0:c1, b0:b1]
        g = _scratch(v.shape)
        np.copyto(g, v)
        if row_mode:
            sums[a0:a1, c0:c1, i2] = _row_dot(g, g)
        else:
            sums[i0, c0:c1, :] = np.einsum("acb,acb->cb", g, g)

    _map(tile_sum, tiles, x3.size, _tile_sizes(tiles))
    return np.add.reduce(sums, axis=(0, 2)) / (a_len * b_len)


def channel_grad_sums(dy3: Any, x3: Any, center: Any, xp: ModuleType = np) -> tuple[Any, Any]:
    """Per-channel float64 ``(sum(dy), sum(dy * (x - center)))`` over axes 0 and 2."""
    c_len = x3.shape[1]
    if xp is not np:
        dy64 = xp.astype(dy3, xp.float64)
        d = xp.astype(x3, xp.float64) - center[None, :, None]
        return xp.sum(dy64, axis=(0, 2)), xp.sum(dy64 * d, axis=(0, 2))
    if x3.size == 0:
        return np.zeros(c_len), np.zeros(c_len)
    mean, _, sum_dy, sum_dy_xc = channel_moments_grad(x3, dy3)
    return sum_dy, sum_dy_xc + (mean - center) * sum_dy


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

    shift64 = np.zeros(scale.shape) if shift is None else np.asarray(shift, dtype=np.float64)
    if center is not None and spread is not None and (np.abs(center) <= 2 * spread).all():
        shift64 = shift64 - center * scale
        center = None
    center_in = None
    if center is not None:
        center_in = center.astype(dtype)
        shift64 = shift64 + (center_in.astype(np.float64) - center) * scale
        center_in = center_in[:, None]
    scale_in = scale.astype(dtype)[:, None]
    shift_in = shift64.astype(dtype)[:, None] if shift64.any() else None
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
            tmp = _scratch(o.shape, 2, dtype)
            np.multiply(extra[0][t], coef_in[cs], out=tmp)
            o += tmp
        if col_scale_in is not None:
            o *= col_scale_in[bs]
        if col_shift_in is not None:
            o += col_shift_in[bs]

    if x3.size <= _SMALL:
        _run(tile_apply, [(slice(None), slice(None), slice(None))])
    else:
        tiles, sizes = _tiles(x3.shape)
        _map(tile_apply, tiles, x3.size, sizes)
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
