"""Interview extras: moments, Welford, standardization, BN folding, synchronized BN, weight/spectral norm."""

import numpy as np
import pytest

import normcore as nc
from normcore import NormError


def test_moments_are_float64_and_stable_for_large_mean(rng):
    x = (1e8 + rng.normal(size=(1000, 3))).astype(np.float64)
    mean, var = nc.moments(x, axis=0)
    exact = ((x - 1e8) ** 2).mean(0) - (x - 1e8).mean(0) ** 2
    assert mean.dtype == var.dtype == np.float64
    np.testing.assert_allclose(var, exact, rtol=1e-9)


def test_moments_axis_correction_and_keepdims(rng):
    x = rng.normal(size=(4, 5, 6)).astype(np.float32)
    mean, var = nc.moments(x, axis=(0, 2), correction=1, keepdims=True)
    assert mean.shape == (1, 5, 1)
    np.testing.assert_allclose(
        var, x.astype(np.float64).var(axis=(0, 2), ddof=1, keepdims=True), rtol=1e-12
    )
    mean, var = nc.moments(x, axis=(1,))
    np.testing.assert_allclose(mean, x.astype(np.float64).mean(1), rtol=1e-12)
    assert nc.moments(x)[0].shape == ()
    with pytest.raises(NormError):
        nc.moments(np.ones(1), axis=0, correction=1)


def test_moments_large_input_tiles_merge_exactly(rng):
    x = rng.normal(5.0, 2.0, (3, 2, 70000))
    mean, var = nc.moments(x, axis=(0, 2))
    np.testing.assert_allclose(mean, x.mean(axis=(0, 2)), rtol=1e-13)
    np.testing.assert_allclose(var, x.var(axis=(0, 2)), rtol=1e-12)


def test_welford_streaming_equals_batch_statistics(rng):
    data = rng.normal(3.0, 2.0, (50, 4))
    acc = nc.Welford(4)
    for row in data[:20]:
        acc.update(row)
    acc.update_batch(data[20:35])
    other = nc.Welford(4).update_batch(data[35:])
    acc.merge(other)
    assert acc.count == 50
    np.testing.assert_allclose(acc.mean, data.mean(0), rtol=1e-13)
    np.testing.assert_allclose(acc.var(correction=1), data.var(0, ddof=1), rtol=1e-12)
    count, mean, var = nc.welford(np.array_split(data, 7))
    assert count == 50
    np.testing.assert_allclose(var, data.var(0), rtol=1e-12)


def test_minmax_scale_and_constant_columns(rng):
    x = np.array([[0.0, 5.0], [5.0, 5.0], [10.0, 5.0]], np.float32)
    y = nc.minmax_scale(x)
    np.testing.assert_allclose(y, [[0, 0], [0.5, 0], [1, 0]])
    assert y.dtype == np.float32
    np.testing.assert_allclose(nc.minmax_scale(x, feature_range=(-1, 1))[:, 0], [-1, 0, 1])


def test_zscore_standardizes_and_maps_constant_to_zero(rng):
    x = rng.normal(7.0, 3.0, (100, 2))
    z = nc.zscore(x)
    np.testing.assert_allclose(z.mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(0), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(nc.zscore(np.ones((3, 1))), 0.0)


@pytest.mark.parametrize("weight_shape", [(4, 3), (4, 3, 3, 3)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_fold_batchnorm_equals_layer_then_bn(rng, weight_shape, with_bias):
    w = rng.normal(size=weight_shape)
    bias = rng.normal(size=4) if with_bias else None
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    rm, rv = rng.normal(size=4), rng.uniform(0.5, 2.0, 4)
    x = rng.normal(size=(5, *weight_shape[1:]))  # one patch per sample: conv == dot product

    def apply(weight, x):
        return x.reshape(5, -1) @ weight.reshape(4, -1).T

    layer = apply(w, x) + (0 if bias is None else bias)
    expect, _, _ = nc.batch_norm(layer, rm, rv, gamma, beta, training=False)
    fw, fb = nc.fold_batchnorm(w, bias, gamma, beta, rm, rv)
    np.testing.assert_allclose(apply(fw, x) + fb, expect, rtol=1e-12, atol=1e-12)
    assert fb.shape == (4,)


def test_fold_batchnorm_keeps_dtype_and_checks_shapes(rng):
    args = [np.ones((4, 3), np.float32), None] + [np.ones(4, np.float32)] * 4
    fw, fb = nc.fold_batchnorm(*args)
    assert fw.dtype == fb.dtype == np.float32
    with pytest.raises(NormError, match=r"gamma should have shape \(4,\).*\(4, 3\).*\(3,\)"):
        nc.fold_batchnorm(np.ones((4, 3)), None, np.ones(3), np.ones(4), np.ones(4), np.ones(4))


def test_combine_batch_stats_equals_concatenation(rng):
    shards = [rng.normal(k, 1.0 + k, (n, 3)) for k, n in enumerate([5, 1, 9])]
    counts = np.array([len(s) for s in shards])
    count, mean, var = nc.combine_batch_stats(
        counts, np.stack([s.mean(0) for s in shards]), np.stack([s.var(0) for s in shards])
    )
    whole = np.concatenate(shards)
    assert count == 15
    np.testing.assert_allclose(mean, whole.mean(0), rtol=1e-13)
    np.testing.assert_allclose(var, whole.var(0), rtol=1e-12)


def test_combine_batch_stats_ignores_empty_shards_and_rejects_all_empty():
    count, mean, var = nc.combine_batch_stats(
        np.array([0, 2]), np.array([[0.0], [4.0]]), np.array([[0.0], [1.0]])
    )
    assert count == 2 and mean[0] == 4.0 and var[0] == 1.0
    with pytest.raises(ValueError, match="all shard counts are 0"):
        nc.combine_batch_stats(np.array([0, 0]), np.zeros((2, 1)), np.zeros((2, 1)))


def test_combine_batch_stats_is_accurate_for_large_means(rng):
    shards = [1e6 + rng.normal(size=(1000, 2)) for _ in range(4)]
    means = np.stack([s.mean(0) for s in shards])
    variances = np.stack([s.var(0) for s in shards])
    _, mean, var = nc.combine_batch_stats(np.full(4, 1000), means, variances)
    centered = np.concatenate(shards) - 1e6
    np.testing.assert_allclose(var, centered.var(0), rtol=1e-9)


def test_weight_norm_has_norm_g_per_output(rng):
    v = rng.normal(size=(3, 4))
    w = nc.weight_norm(v, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(np.linalg.norm(w, axis=1), [1.0, 2.0, 3.0])
    np.testing.assert_allclose(np.linalg.norm(nc.weight_norm(v, np.array(5.0), dim=None)), 5.0)


def test_spectral_norm_power_iteration_converges_to_svd(rng):
    w = rng.normal(size=(6, 4))
    exact_w, exact_sigma, _, _ = nc.spectral_norm(w)
    np.testing.assert_allclose(exact_sigma, np.linalg.svd(w, compute_uv=False)[0], rtol=1e-12)
    _, sigma, u, v = nc.spectral_norm(w, rng.normal(size=6), n_power_iterations=200)
    np.testing.assert_allclose(sigma, exact_sigma, rtol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(exact_w, 2), 1.0, rtol=1e-12)
