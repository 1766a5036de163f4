"""Every PyTorch rule normcore mirrors, one test each, checked against NumPy written by hand."""

import numpy as np
import pytest

import normcore as nc
from normcore import NormError


def naive_batch_norm(x, weight=None, bias=None, eps=1e-5):
    axes = (0, *range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    x = x.astype(np.float64)
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


# --------------------------------------------------------------------------- batch_norm


def test_training_normalizes_with_biased_batch_variance(rng):
    x = rng.normal(3.0, 2.0, (8, 3, 5))
    y, _, _ = nc.batch_norm(x, None, None, training=True)
    np.testing.assert_allclose(y, naive_batch_norm(x), rtol=1e-12, atol=1e-12)


def test_running_var_receives_unbiased_batch_variance(rng):
    x = rng.normal(size=(4, 3, 2))
    _, rm, rv = nc.batch_norm(x, np.zeros(3), np.ones(3), training=True, momentum=1.0)
    np.testing.assert_allclose(rm, x.mean(axis=(0, 2)), rtol=1e-13)
    np.testing.assert_allclose(rv, x.var(axis=(0, 2), ddof=1), rtol=1e-13)


def test_running_stats_move_by_momentum_toward_the_batch(rng):
    x = rng.normal(size=(6, 2))
    old_mean, old_var = np.array([1.0, -1.0]), np.array([2.0, 0.5])
    _, rm, rv = nc.batch_norm(x, old_mean, old_var, training=True, momentum=0.25)
    np.testing.assert_allclose(rm, 0.75 * old_mean + 0.25 * x.mean(0), rtol=1e-13)
    np.testing.assert_allclose(rv, 0.75 * old_var + 0.25 * x.var(0, ddof=1), rtol=1e-13)


def test_eval_normalizes_with_running_stats_and_returns_them_unchanged(rng):
    x = rng.normal(size=(5, 3, 4)).astype(np.float32)
    rm = np.array([0.5, -1.0, 2.0], np.float32)
    rv = np.array([1.5, 0.25, 4.0], np.float32)
    w, b = np.array([1.0, 2.0, -1.0], np.float32), np.array([0.0, 1.0, 3.0], np.float32)
    y, new_mean, new_var = nc.batch_norm(x, rm, rv, w, b, training=False, eps=1e-3)
    expect = (x - rm[:, None]) / np.sqrt(rv[:, None] + 1e-3) * w[:, None] + b[:, None]
    np.testing.assert_allclose(y, expect, rtol=2e-6, atol=2e-6)
    np.testing.assert_array_equal(new_mean, rm)
    np.testing.assert_array_equal(new_var, rv)
    assert new_mean is not rm and new_var is not rv


def test_eval_without_running_stats_is_an_error(rng):
    with pytest.raises(NormError, match="evaluation mode"):
        nc.batch_norm(rng.normal(size=(4, 3)), None, None, training=False)


def test_missing_running_stats_are_returned_as_none(rng):
    _, rm, rv = nc.batch_norm(rng.normal(size=(4, 3)), None, None, training=True)
    assert rm is None and rv is None


@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1), (1, 3, 1, 1)])
def test_training_with_one_value_per_channel_raises_value_error(shape):
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3"):
        nc.batch_norm(np.ones(shape), None, None, training=True)


def test_eval_with_one_value_per_channel_is_fine():
    y, _, _ = nc.batch_norm(np.ones((1, 3)), np.zeros(3), np.ones(3), training=False, eps=0.0)
    np.testing.assert_allclose(y, np.ones((1, 3)))


def test_functional_momentum_none_is_rejected_like_pytorch(rng):
    with pytest.raises(NormError, match="momentum=None"):
        nc.batch_norm(
            rng.normal(size=(4, 3)), np.zeros(3), np.ones(3), training=True, momentum=None
        )


def test_inputs_are_never_modified(rng):
    x = rng.normal(size=(4, 3, 2)).astype(np.float32)
    args = [
        x,
        np.zeros(3, np.float32),
        np.ones(3, np.float32),
        np.ones(3, np.float32),
        np.zeros(3, np.float32),
    ]
    before = [a.copy() for a in args]
    nc.batch_norm(*args, training=True)
    nc.batch_norm_backward(x, x, args[3])
    for a, b in zip(args, before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_output_keeps_input_dtype(rng, dtype):
    x = rng.normal(size=(4, 3, 2)).astype(dtype)
    y, rm, rv = nc.batch_norm(x, np.zeros(3, dtype), np.ones(3, dtype), training=True)
    assert y.dtype == rm.dtype == rv.dtype == dtype


def test_statistics_are_float64_for_float16_input(rng):
    # float16 accumulation would overflow (sum > 65504) and lose the variance entirely.
    x = (rng.normal(size=(4096, 2)) + 300.0).astype(np.float16)
    y, _, _ = nc.batch_norm(x, None, None, training=True)
    np.testing.assert_allclose(y.astype(np.float64), naive_batch_norm(x), atol=3e-3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"running_mean": np.zeros(4), "running_var": np.ones(3)},
            r"running_mean should have shape \(3,\).*\(2, 3, 5\).*\(4,\)",
        ),
        (
            {"running_mean": None, "running_var": None, "weight": np.ones((3, 1))},
            r"weight should have shape \(3,\)",
        ),
        (
            {"running_mean": None, "running_var": None, "bias": np.ones(2)},
            r"bias should have shape",
        ),
    ],
)
def test_wrong_parameter_shapes_name_the_shapes(kwargs, match):
    with pytest.raises(NormError, match=match):
        nc.batch_norm(np.ones((2, 3, 5)), training=True, **kwargs)


def test_integer_input_is_rejected_with_its_dtype():
    with pytest.raises(NormError, match="floating dtype.*int64"):
        nc.batch_norm(np.ones((2, 3), dtype=np.int64), None, None, training=True)


def test_norm_error_is_a_value_error():
    assert issubclass(NormError, ValueError)


def test_empty_batch_leaves_running_stats_untouched():
    y, rm, rv = nc.batch_norm(np.ones((0, 3, 2)), np.zeros(3), np.ones(3), training=True)
    assert y.shape == (0, 3, 2)
    np.testing.assert_array_equal(rm, 0.0)
    np.testing.assert_array_equal(rv, 1.0)


# --------------------------------------------------------------------------- BatchNorm classes


def test_module_momentum_none_is_a_cumulative_average(rng):
    layer = nc.BatchNorm1d(3, momentum=None, dtype=np.float64)
    batches = [rng.normal(loc=k, size=(5, 3)) for k in range(4)]
    for batch in batches:
        layer(batch)
    assert layer.num_batches_tracked == 4
    np.testing.assert_allclose(
        layer.running_mean, np.mean([b.mean(0) for b in batches], axis=0), rtol=1e-12
    )
    np.testing.assert_allclose(
        layer.running_var, np.mean([b.var(0, ddof=1) for b in batches], axis=0), rtol=1e-12
    )


def test_module_counts_batches_only_in_training(rng):
    layer = nc.BatchNorm2d(2)
    layer(rng.normal(size=(2, 2, 3, 3)).astype(np.float32))
    layer.eval()
    layer(rng.normal(size=(2, 2, 3, 3)).astype(np.float32))
    assert layer.num_batches_tracked == 1


def test_module_eval_uses_running_stats(rng):
    layer = nc.BatchNorm1d(2, dtype=np.float64).eval()
    layer.running_mean = np.array([1.0, 2.0])
    layer.running_var = np.array([4.0, 9.0])
    x = rng.normal(size=(3, 2))
    np.testing.assert_allclose(
        layer(x), (x - [1.0, 2.0]) / np.sqrt(np.array([4.0, 9.0]) + 1e-5), rtol=1e-12
    )


def test_module_without_tracking_has_no_buffers_and_uses_batch_stats_in_eval(rng):
    layer = nc.BatchNorm1d(3, track_running_stats=False).eval()
    assert (
        layer.running_mean is None
        and layer.running_var is None
        and layer.num_batches_tracked is None
    )
    x = rng.normal(size=(6, 3)).astype(np.float32)
    np.testing.assert_allclose(layer(x), naive_batch_norm(x), atol=1e-6)


def test_module_without_affine_has_no_parameters():
    layer = nc.BatchNorm2d(3, affine=False)
    assert layer.weight is None and layer.bias is None


def test_module_affine_without_bias_matches_pytorch_bias_flag():
    layer = nc.BatchNorm2d(3, bias=False)
    assert layer.weight is not None and layer.bias is None


@pytest.mark.parametrize(
    "cls, good, bad",
    [
        (nc.BatchNorm1d, [(4, 3), (4, 3, 5)], [(3,), (4, 3, 5, 5)]),
        (nc.BatchNorm2d, [(4, 3, 2, 2)], [(4, 3), (4, 3, 2), (4, 3, 2, 2, 2)]),
        (nc.BatchNorm3d, [(4, 3, 2, 2, 2)], [(4, 3, 2, 2)]),
    ],
)
def test_batch_norm_classes_check_input_dimensions(cls, good, bad):
    layer = cls(3)
    for shape in good:
        assert layer(np.ones(shape, np.float32)).shape == shape
    for shape in bad:
        with pytest.raises(NormError, match=rf"got {len(shape)}D input"):
            layer(np.ones(shape, np.float32))


def test_module_training_with_one_value_raises_and_keeps_state():
    layer = nc.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        layer(np.ones((1, 3), np.float32))
    assert layer.num_batches_tracked == 0


def test_train_and_eval_switch_the_flag():
    layer = nc.BatchNorm1d(2)
    assert layer.training
    assert layer.eval() is layer and not layer.training
    assert layer.train() is layer and layer.training
    assert not layer.train(False).training


# --------------------------------------------------------------------------- instance norm


def test_instance_norm_normalizes_each_sample_and_channel(rng):
    x = rng.normal(2.0, 3.0, (2, 3, 7))
    y, _, _ = nc.instance_norm(x)
    expect = (x - x.mean(2, keepdims=True)) / np.sqrt(x.var(2, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y, expect, rtol=1e-12, atol=1e-12)


def test_instance_norm_running_stats_average_per_instance_stats_over_the_batch(rng):
    x = rng.normal(size=(4, 2, 6))
    _, rm, rv = nc.instance_norm(x, np.zeros(2), np.ones(2), momentum=0.5)
    np.testing.assert_allclose(rm, 0.5 * x.mean(2).mean(0), rtol=1e-12)
    np.testing.assert_allclose(rv, 0.5 + 0.5 * x.var(2, ddof=1).mean(0), rtol=1e-12)


def test_instance_norm_momentum_none_means_zero(rng):
    layer = nc.InstanceNorm1d(2, momentum=None, track_running_stats=True)
    layer(rng.normal(size=(3, 2, 5)).astype(np.float32))
    np.testing.assert_array_equal(layer.running_mean, 0.0)
    np.testing.assert_array_equal(layer.running_var, 1.0)


def test_instance_norm_eval_uses_running_stats_only_when_tracked(rng):
    x = rng.normal(size=(2, 2, 5))
    tracked = nc.InstanceNorm1d(2, track_running_stats=True, dtype=np.float64).eval()
    np.testing.assert_allclose(tracked(x), x / np.sqrt(1 + 1e-5), rtol=1e-12)
    untracked = nc.InstanceNorm1d(2).eval()
    np.testing.assert_allclose(untracked(x), nc.instance_norm(x)[0])


def test_instance_norm_defaults_have_no_affine_and_no_buffers():
    layer = nc.InstanceNorm2d(3)
    assert layer.weight is None and layer.running_mean is None


def test_instance_norm_accepts_unbatched_input(rng):
    x = rng.normal(size=(3, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(nc.InstanceNorm2d(3)(x), nc.instance_norm(x[None])[0][0])


@pytest.mark.parametrize(
    "cls, bad",
    [
        (nc.InstanceNorm1d, (2, 3, 4, 4)),
        (nc.InstanceNorm2d, (3, 4)),
        (nc.InstanceNorm3d, (2, 3, 4)),
    ],
)
def test_instance_norm_classes_check_input_dimensions(cls, bad):
    with pytest.raises(NormError, match="input"):
        cls(3)(np.ones(bad, np.float32))


def test_instance_norm_with_one_spatial_element_raises():
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        nc.instance_norm(np.ones((2, 3, 1)))


def test_instance_norm_affine_requires_matching_channels():
    with pytest.raises(NormError, match="num_features"):
        nc.InstanceNorm1d(3, affine=True)(np.ones((2, 4, 5), np.float32))


# --------------------------------------------------------------------------- layer / group / RMS


def test_layer_norm_accepts_int_or_tuple_normalized_shape(rng):
    x = rng.normal(size=(2, 3, 4))
    np.testing.assert_array_equal(nc.layer_norm(x, 4), nc.layer_norm(x, (4,)))
    flat = nc.layer_norm(x.reshape(2, 12), 12).reshape(2, 3, 4)
    np.testing.assert_allclose(nc.layer_norm(x, (3, 4)), flat, rtol=1e-12, atol=1e-12)


def test_layer_norm_uses_biased_variance_over_trailing_axes(rng):
    x = rng.normal(size=(3, 5))
    expect = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(nc.layer_norm(x, 5), expect, rtol=1e-12, atol=1e-12)


def test_layer_norm_wrong_normalized_shape_names_the_shapes():
    with pytest.raises(NormError, match=r"normalized_shape=\(4,\).*\(2, 3, 5\)"):
        nc.layer_norm(np.ones((2, 3, 5)), (4,))


def test_group_norm_groups_are_contiguous_channels(rng):
    x = rng.normal(size=(2, 4, 3))
    y = nc.group_norm(x, 2)
    first = x[:, :2].reshape(2, -1)
    expect = (first - first.mean(1, keepdims=True)) / np.sqrt(first.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y[:, :2].reshape(2, -1), expect, rtol=1e-12, atol=1e-12)


def test_group_norm_channels_not_divisible_by_groups_raise():
    with pytest.raises(NormError, match=r"divisible by num_groups.*\(2, 6, 3\).*num_groups=4"):
        nc.group_norm(np.ones((2, 6, 3)), 4)
    with pytest.raises(ValueError, match="divisible"):
        nc.GroupNorm(4, 6)


def test_group_norm_one_value_rule_follows_pytorch():
    with pytest.raises(ValueError, match="more than 1 value"):
        nc.group_norm(np.ones((1, 4, 1)), 4)
    assert nc.group_norm(np.ones((2, 4, 1)), 4).shape == (2, 4, 1)


def test_rms_norm_default_eps_is_the_dtype_machine_epsilon():
    x = np.full((1, 4), 1e-4)
    for dtype in (np.float32, np.float64):
        got = nc.rms_norm(x.astype(dtype), 4)
        eps = np.finfo(dtype).eps
        np.testing.assert_allclose(got, 1e-4 / np.sqrt(1e-8 + eps), rtol=1e-6)
        np.testing.assert_allclose(nc.RMSNorm(4, dtype=dtype)(x.astype(dtype)), got)


def test_rms_norm_does_not_subtract_the_mean(rng):
    x = rng.normal(5.0, 1.0, (3, 6))
    expect = x / np.sqrt((x**2).mean(1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(nc.rms_norm(x, 6, eps=1e-6), expect, rtol=1e-12)


def test_layer_group_rms_modules_match_functional(rng):
    x = rng.normal(size=(2, 4, 3)).astype(np.float32)
    np.testing.assert_array_equal(
        nc.LayerNorm((4, 3))(x),
        nc.layer_norm(x, (4, 3), np.ones((4, 3), np.float32), np.zeros((4, 3), np.float32)),
    )
    np.testing.assert_array_equal(
        nc.GroupNorm(2, 4)(x), nc.group_norm(x, 2, np.ones(4, np.float32), np.zeros(4, np.float32))
    )
    np.testing.assert_array_equal(nc.RMSNorm(3)(x), nc.rms_norm(x, 3, np.ones(3, np.float32)))
    assert nc.LayerNorm(3, elementwise_affine=False).weight is None
    assert nc.LayerNorm(3, bias=False).bias is None
