"""The tiled float64 kernels in ``normcore._stats`` on shapes big enough to be cut into tiles."""

import numpy as np
import pytest

import normcore as nc
from normcore import _stats

# (A, C, B) layouts over _SMALL elements: row mode with rows longer than one BLAS dot and
# than one tile, row mode with several channels per tile, column mode with several runs.
SHAPES = [(2, 3, 300_001), (6, 5, 20_000), (3000, 100, 1), (700, 50, 9)]


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


def test_results_do_not_depend_on_the_thread_count(data):
    x, dy = data
    before = nc.get_num_threads()
    try:
        nc.set_num_threads(1)
        one = _stats.channel_moments_grad(x, dy)
        nc.set_num_threads(2)
        two = _stats.channel_moments_grad(x, dy)
    finally:
        nc.set_num_threads(before)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)


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
