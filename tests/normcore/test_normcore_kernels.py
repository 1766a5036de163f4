"""The tiled float64 kernels in ``normcore._stats`` on shapes big enough to be cut into tiles."""

import numpy as np
import pytest

import normcore as nc
from normcore import _stats

# (A, C, B) layouts over _SMALL elements: row mode with rows longer than one BLAS dot and
# than one tile, row mode with several channels per tile, column mode with several runs.
SHAPES = [(2, 3, 600_001), (6, 5, 20_000), (6000, 100, 1), (1400, 50, 9)]


@pytest.fixture(params=SHAPES, ids=str)
def data(request):
    rng = np.random.default_rng(3)
    shape = request.param
    x = (rng.normal(size=shape) * 0.01 + 1000.0).astype(np.float32)
    dy = rng.normal(size=shape).astype(np.float32)
    return x, dy


def _truth(x, dy):
    x64, dy64 = x.astype(np.float64), dy.astype(np.float64)
    mean = x64.mean(axis=(0, 2))
    d = x64 - mean[None, :, None]
    return mean, (d * d).mean(axis=(0, 2)), dy64.sum(axis=(0, 2)), (dy64 * d).sum(axis=(0, 2))


def test_tiled_moments_and_grad_sums_are_float64_accurate(data):
    x, dy = data
    assert x.size > _stats._SMALL and len(_stats._plan(x.shape)[1]) > 1
    mean, var, sum_dy, sum_dy_xc = _stats.channel_moments_grad(x, dy)
    t_mean, t_var, t_sum_dy, t_sum_dy_xc = _truth(x, dy)
    np.testing.assert_allclose(mean, t_mean, rtol=1e-14)
    np.testing.assert_allclose(var, t_var, rtol=1e-9)
    np.testing.assert_allclose(sum_dy, t_sum_dy, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(sum_dy_xc, t_sum_dy_xc, rtol=1e-9, atol=1e-9)
    m2, v2 = _stats.channel_moments(x)
    np.testing.assert_array_equal(m2, mean)
    np.testing.assert_array_equal(v2, var)
    ms = _stats.channel_mean_square(x)
    np.testing.assert_allclose(ms, (x.astype(np.float64) ** 2).mean(axis=(0, 2)), rtol=1e-13)


def test_results_do_not_depend_on_the_thread_count(data, monkeypatch):
    x, dy = data
    # these shapes are below the size where the kernels start the pool: force it
    monkeypatch.setattr(_stats, "_PARALLEL_MIN", 0)
    before = nc.get_num_threads()
    try:
        nc.set_num_threads(1)
        one = (*_stats.channel_moments_grad(x, dy), *nc.batch_norm_backward(dy, x))
        nc.set_num_threads(2)
        two = (*_stats.channel_moments_grad(x, dy), *nc.batch_norm_backward(dy, x))
    finally:
        nc.set_num_threads(before)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)  # None == None for the absent weight's grads


def test_backward_on_tiled_float32_input_matches_float64():
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(16, 4, 80, 80)) * 0.01 + 1000.0).astype(np.float32)
    dy = rng.normal(size=x.shape).astype(np.float32)
    w = rng.uniform(0.5, 1.5, 4).astype(np.float32)
    dx, dw, db = nc.batch_norm_backward(dy, x, w)
    tdx, tdw, tdb = nc.batch_norm_backward(
        dy.astype(np.float64), x.astype(np.float64), w.astype(np.float64)
    )
    assert dx.dtype == np.float32
    np.testing.assert_allclose(dx, tdx, rtol=0, atol=1e-4 * np.abs(tdx).max())
    np.testing.assert_allclose(dw, tdw, rtol=1e-5)
    np.testing.assert_allclose(db, tdb, rtol=1e-5)


# Row lengths around NumPy's default ufunc buffer (8192) and the kernels' small one
# (_stats._BUFSIZE): the broadcast per-channel ops run unbuffered there, see _ufunc_buffers.
APPLY_SHAPES = [(4, 6, 3136), (3, 5, 1500), (2, 3, 9000), (300, 7, 3), (256, 1024, 1)]


def _bn_truth(x, w, b, eps=1e-5):
    """Training-mode batch norm and its backward in float64 on an ``(N, C, B)`` array."""
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=(0, 2), keepdims=True)
    inv = 1.0 / np.sqrt(((x64 - mean) ** 2).mean(axis=(0, 2), keepdims=True) + eps)
    xhat = (x64 - mean) * inv
    return xhat * w[None, :, None] + b[None, :, None], xhat, inv


@pytest.mark.parametrize("shape", APPLY_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_broadcast_kernels_match_float64_truth_and_restore_the_buffer_size(shape, dtype):
    rng = np.random.default_rng(17)
    x = (rng.normal(size=shape) * 0.5 + 3.0).astype(dtype)
    dy = rng.normal(size=shape).astype(dtype)
    c = shape[1]
    w, b = rng.uniform(0.5, 1.5, c).astype(dtype), rng.normal(size=c).astype(dtype)
    rm, rv = rng.normal(size=c).astype(dtype), rng.uniform(0.5, 2.0, c).astype(dtype)
    bufsize = np.getbufsize()
    want, xhat, inv = _bn_truth(x, w.astype(np.float64), b.astype(np.float64))
    out, _, _ = nc.batch_norm(x, rm, rv, w, b, training=True)
    ev, _, _ = nc.batch_norm(x, rm, rv, w, b, training=False)
    dx, dw, db = nc.batch_norm_backward(dy, x, w)
    assert np.getbufsize() == bufsize  # the kernels' buffer size does not leak out
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    np.testing.assert_allclose(out, want, **tol)
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    ev_want = (x64 - rm[None, :, None]) / np.sqrt(rv[None, :, None] + 1e-5) * w64[
        None, :, None
    ] + b[None, :, None]
    np.testing.assert_allclose(ev, ev_want, **tol)
    dy64, n = dy.astype(np.float64), shape[0] * shape[2]
    sdy = dy64.sum(axis=(0, 2), keepdims=True)
    sdyx = (dy64 * xhat).sum(axis=(0, 2), keepdims=True)
    dx_want = w64[None, :, None] * inv / n * (n * dy64 - sdy - xhat * sdyx)
    np.testing.assert_allclose(dx, dx_want, rtol=tol["rtol"], atol=tol["atol"] * 10)
    np.testing.assert_allclose(dw, sdyx.ravel(), rtol=tol["rtol"], atol=tol["atol"] * 10)
    np.testing.assert_allclose(db, sdy.ravel(), rtol=tol["rtol"], atol=tol["atol"] * 10)


@pytest.mark.parametrize("shape", APPLY_SHAPES[:3], ids=str)
def test_small_buffer_results_equal_default_buffer_results(shape):
    """Elementwise ops do not depend on the buffer size: bitwise the same as NumPy's default."""
    rng = np.random.default_rng(19)
    x = rng.normal(size=shape).astype(np.float32)
    dy = rng.normal(size=shape).astype(np.float32)
    c = shape[1]
    scale, shift, coef = rng.normal(size=c), rng.normal(size=c), rng.normal(size=c)
    got = _stats.apply_channel(x, None, scale, shift, extra=(dy, coef))
    s32, h32, k32 = (v.astype(np.float32)[None, :, None] for v in (scale, shift, coef))
    want = x * s32
    want += h32
    want += dy * k32
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "make_view",
    [
        lambda a: a[:, ::2],  # strided channels
        lambda a: a.transpose(0, 2, 1)[:, :, :].copy().transpose(0, 2, 1),  # channels-last memory
        lambda a: a[::-1],  # negative strides
    ],
    ids=["strided", "channels_last", "reversed"],
)
def test_non_contiguous_inputs_match_contiguous_ones(make_view):
    rng = np.random.default_rng(23)
    base = (rng.normal(size=(6, 8, 3000)) * 0.01 + 100.0).astype(np.float32)
    gbase = rng.normal(size=base.shape).astype(np.float32)
    x, dy = make_view(base), make_view(gbase)
    c = x.shape[1]
    w, b = rng.uniform(0.5, 1.5, c).astype(np.float32), rng.normal(size=c).astype(np.float32)
    rm, rv = np.zeros(c, np.float32), np.ones(c, np.float32)
    before = (x.copy(), dy.copy())
    xc, dyc = np.ascontiguousarray(x), np.ascontiguousarray(dy)
    for training in (True, False):
        got = nc.batch_norm(x, rm, rv, w, b, training=training)
        want = nc.batch_norm(xc, rm, rv, w, b, training=training)
        for a, e in zip(got, want, strict=True):
            np.testing.assert_allclose(a, e, rtol=1e-6, atol=1e-6)
    for a, e in zip(
        nc.batch_norm_backward(dy, x, w), nc.batch_norm_backward(dyc, xc, w), strict=True
    ):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(x, before[0])  # inputs are never modified
    np.testing.assert_array_equal(dy, before[1])


@pytest.mark.parametrize("shape", [(256, 64), (8, 3, 2000)], ids=str)
def test_float64_large_mean_small_spread(shape):
    """Float64 data far from zero: statistics, output and gradients keep float64 accuracy."""
    rng = np.random.default_rng(29)
    x = rng.normal(size=shape) * 1e-3 + 1e6
    dy = rng.normal(size=shape)
    c = shape[1]
    w = rng.uniform(0.5, 1.5, c)
    x3, dy3 = x.reshape(shape[0], c, -1), dy.reshape(shape[0], c, -1)
    # the truth, in exact rational-free form: center on a data value first (exact in float64)
    shifted = x3 - x3[:1, :, :1]
    mean = shifted.mean(axis=(0, 2), keepdims=True)
    d = shifted - mean
    var = (d * d).mean(axis=(0, 2))
    got_mean, got_var = _stats.channel_moments(x3)
    np.testing.assert_allclose(got_mean, (mean + x3[:1, :, :1]).ravel(), rtol=1e-14)
    np.testing.assert_allclose(got_var, var, rtol=1e-7)
    # x_hat's condition number is |mean| / std = 1e9: float64 rounding of the input scale
    # alone moves it by eps * 1e9 ~ 2e-7; allow 100 times that
    cond_atol = 100 * np.finfo(np.float64).eps * 1e9
    out, _, _ = nc.batch_norm(x, None, None, w, None, training=True, eps=0.0)
    want = d / np.sqrt(var)[None, :, None] * w[None, :, None]
    np.testing.assert_allclose(out.reshape(x3.shape), want, rtol=0, atol=cond_atol)
    dx, dw, db = nc.batch_norm_backward(dy, x, w, eps=0.0)
    xhat = d / np.sqrt(var)[None, :, None]
    n = x3.shape[0] * x3.shape[2]
    sdy = dy3.sum(axis=(0, 2), keepdims=True)
    sdyx = (dy3 * xhat).sum(axis=(0, 2), keepdims=True)
    dx_want = w[None, :, None] / np.sqrt(var)[None, :, None] / n * (n * dy3 - sdy - xhat * sdyx)
    scale = np.abs(dx_want).max()
    np.testing.assert_allclose(dx.reshape(x3.shape), dx_want, rtol=0, atol=cond_atol * scale)
    np.testing.assert_allclose(dw, sdyx.ravel(), rtol=0, atol=cond_atol * np.abs(sdyx).max())
    np.testing.assert_allclose(db, sdy.ravel(), rtol=1e-12, atol=1e-9)
