"""normcore against live PyTorch (CPU) over randomized configurations; skipped without torch."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import normcore as nc

torch = pytest.importorskip("torch")
F = torch.nn.functional
pytestmark = pytest.mark.oracle

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TOL = {np.float32: {"rtol": 1e-4, "atol": 1e-5}, np.float64: {"rtol": 1e-9, "atol": 1e-11}}


def t(a):
    """PyTorch in float64: for float32 inputs the reference is the float64 truth, since
    normcore's statistics are float64 (PyTorch's float32 statistics drift on small groups
    with a large mean; the accuracy test below compares the two directly)."""
    return None if a is None else torch.from_numpy(np.array(a, dtype=np.float64))


def t_native(a):
    return None if a is None else torch.from_numpy(np.array(a))


def close(got, want, dtype):
    want = want.detach().numpy() if hasattr(want, "detach") else want
    assert got.dtype == dtype
    want = want.astype(dtype)
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=TOL[dtype]["rtol"], atol=TOL[dtype]["atol"] * scale)


@st.composite
def nc_config(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n = draw(st.integers(1, 5))
    c = draw(st.integers(1, 6))
    spatial = tuple(draw(st.lists(st.integers(1, 5), max_size=2)))
    seed = draw(st.integers(0, 2**31))
    loc = draw(st.sampled_from([0.0, 3.0, -50.0]))
    return dtype, (n, c, *spatial), seed, loc


def arrays(shape, seed, loc, dtype, c):
    rng = np.random.default_rng(seed)
    x = rng.normal(loc, rng.uniform(0.1, 3.0), shape).astype(dtype)
    g = rng.normal(size=shape).astype(dtype)
    w, b = rng.normal(size=c).astype(dtype), rng.normal(size=c).astype(dtype)
    rm, rv = rng.normal(size=c).astype(dtype), rng.uniform(0.2, 2.0, c).astype(dtype)
    return x, g, w, b, rm, rv


@SETTINGS
@given(nc_config(), st.booleans(), st.sampled_from([0.1, 0.5, 1.0]), st.booleans())
def test_batch_norm_matches_pytorch(config, training, momentum, affine):
    dtype, shape, seed, loc = config
    x, g, w, b, rm, rv = arrays(shape, seed, loc, dtype, shape[1])
    if not affine:
        w = b = None
    count = shape[0] * int(np.prod(shape[2:]))
    if training and count == 1:
        with pytest.raises(ValueError):
            F.batch_norm(t(x), t(rm), t(rv), t(w), t(b), True, momentum)
        with pytest.raises(ValueError):
            nc.batch_norm(x, rm, rv, w, b, True, momentum)
        return
    trm, trv = t(rm), t(rv)
    want = F.batch_norm(t(x), trm, trv, t(w), t(b), training, momentum, 1e-5)
    got, new_mean, new_var = nc.batch_norm(x, rm, rv, w, b, training, momentum, 1e-5)
    close(got, want, dtype)
    close(new_mean, trm, dtype)
    close(new_var, trv, dtype)
    if training:
        xt = t(x).requires_grad_()
        wt = t(rng_weight := (w if w is not None else np.ones(shape[1], dtype))).requires_grad_()
        bt = t(np.zeros(shape[1], dtype)).requires_grad_()
        F.batch_norm(xt, None, None, wt, bt, True, momentum, 1e-5).backward(t(g))
        dx, dw, db = nc.batch_norm_backward(g, x, rng_weight, 1e-5)
        close(dx, xt.grad, dtype)
        close(dw, wt.grad, dtype)
        close(db, bt.grad, dtype)


@SETTINGS
@given(nc_config(), st.integers(1, 2), st.booleans())
def test_layer_and_rms_norm_match_pytorch(config, trailing, affine):
    dtype, shape, seed, loc = config
    trailing = min(trailing, len(shape))
    ns = shape[len(shape) - trailing :]
    rng = np.random.default_rng(seed)
    x = rng.normal(loc, 1.0, shape).astype(dtype)
    g = rng.normal(size=shape).astype(dtype)
    w = rng.normal(size=ns).astype(dtype) if affine else None
    b = rng.normal(size=ns).astype(dtype) if affine else None
    close(nc.layer_norm(x, ns, w, b), F.layer_norm(t(x), ns, t(w), t(b)), dtype)
    # eps=None means the *input's* machine epsilon; the float64 reference must get the
    # float32 one explicitly (with one value per row, dx is proportional to eps).
    rms_eps = float(np.finfo(dtype).eps)
    close(nc.rms_norm(x, ns, w), F.rms_norm(t(x), ns, t(w), eps=rms_eps), dtype)
    wv = w if affine else np.ones(ns, dtype)
    bv = b if affine else np.zeros(ns, dtype)
    xt, wt, bt = t(x).requires_grad_(), t(wv).requires_grad_(), t(bv).requires_grad_()
    F.layer_norm(xt, ns, wt, bt).backward(t(g))
    for got, want in zip(nc.layer_norm_backward(g, x, ns, wv, bv), (xt, wt, bt), strict=True):
        close(got, want.grad, dtype)
    xt, wt = t(x).requires_grad_(), t(wv).requires_grad_()
    F.rms_norm(xt, ns, wt, eps=rms_eps).backward(t(g))
    for got, want in zip(nc.rms_norm_backward(g, x, ns, wv), (xt, wt), strict=True):
        close(got, want.grad, dtype)


@SETTINGS
@given(nc_config(), st.integers(1, 3))
def test_group_norm_matches_pytorch(config, per_group):
    dtype, shape, seed, loc = config
    groups = shape[1]
    shape = (shape[0], groups * per_group, *shape[2:])
    x, g, w, b, _, _ = arrays(shape, seed, loc, dtype, shape[1])
    if shape[0] * per_group * int(np.prod(shape[2:])) == 1:
        with pytest.raises(ValueError):
            nc.group_norm(x, groups)
        return
    close(nc.group_norm(x, groups, w, b), F.group_norm(t(x), groups, t(w), t(b)), dtype)
    xt, wt, bt = t(x).requires_grad_(), t(w).requires_grad_(), t(b).requires_grad_()
    F.group_norm(xt, groups, wt, bt).backward(t(g))
    for got, want in zip(nc.group_norm_backward(g, x, groups, w, b), (xt, wt, bt), strict=True):
        close(got, want.grad, dtype)


@SETTINGS
@given(nc_config(), st.booleans(), st.sampled_from([0.1, 0.7]))
def test_instance_norm_matches_pytorch(config, use_input_stats, momentum):
    dtype, shape, seed, loc = config
    if len(shape) == 2:
        shape = (*shape, 3)
    x, _, w, b, rm, rv = arrays(shape, seed, loc, dtype, shape[1])
    if use_input_stats and int(np.prod(shape[2:])) == 1:
        with pytest.raises(ValueError):
            nc.instance_norm(x)
        return
    trm, trv = t(rm), t(rv)
    want = F.instance_norm(t(x), trm, trv, t(w), t(b), use_input_stats, momentum, 1e-5)
    got, new_mean, new_var = nc.instance_norm(x, rm, rv, w, b, use_input_stats, momentum, 1e-5)
    close(got, want, dtype)
    close(new_mean, trm, dtype)
    close(new_var, trv, dtype)


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("track", [True, False])
def test_batch_norm_module_sequence_matches_pytorch(rng, momentum, track):
    ours = nc.BatchNorm2d(3, momentum=momentum, track_running_stats=track)
    theirs = torch.nn.BatchNorm2d(3, momentum=momentum, track_running_stats=track).double()
    for step in range(6):
        if step == 4:
            ours.eval()
            theirs.eval()
        x = rng.normal(step, 2.0, (4, 3, 5, 5)).astype(np.float32)
        with torch.no_grad():
            close(ours(x), theirs(t(x)), np.float32)
    if track:
        close(ours.running_mean, theirs.running_mean, np.float32)
        close(ours.running_var, theirs.running_var, np.float32)
        assert ours.num_batches_tracked == int(theirs.num_batches_tracked)


@pytest.mark.parametrize("momentum", [0.3, None])
def test_instance_norm_module_sequence_matches_pytorch(rng, momentum):
    ours = nc.InstanceNorm1d(3, momentum=momentum, affine=True, track_running_stats=True)
    theirs = torch.nn.InstanceNorm1d(
        3, momentum=momentum, affine=True, track_running_stats=True
    ).double()
    for step in range(4):
        if step == 3:
            ours.eval()
            theirs.eval()
        x = rng.normal(step, 1.5, (2, 3, 6)).astype(np.float32)
        with torch.no_grad():
            close(ours(x), theirs(t(x)), np.float32)
    close(ours.running_var, theirs.running_var, np.float32)


def test_float32_error_is_no_worse_than_pytorch_on_large_mean_small_spread():
    """Float32 input far from zero: normcore's error against a float64 truth <= PyTorch's."""
    rng = np.random.default_rng(7)
    x = (rng.normal(size=(64, 8, 32)) * 0.01 + 1000.0).astype(np.float32)
    rm, rv = np.zeros(8, np.float32), np.ones(8, np.float32)
    truth, true_mean, true_var = nc.batch_norm(
        x.astype(np.float64), rm.astype(np.float64), rv.astype(np.float64), training=True
    )
    ours, our_mean, our_var = nc.batch_norm(x, rm, rv, training=True)
    trm, trv = t_native(rm), t_native(rv)
    theirs = F.batch_norm(t_native(x), trm, trv, training=True).numpy()
    err = {
        "output": (np.abs(ours - truth).max(), np.abs(theirs - truth).max()),
        "running_var": (np.abs(our_var - true_var).max(), np.abs(trv.numpy() - true_var).max()),
        "running_mean": (np.abs(our_mean - true_mean).max(), np.abs(trm.numpy() - true_mean).max()),
    }
    for name, (mine, torch_err) in err.items():
        assert mine <= torch_err, f"{name}: normcore {mine:.3g} > torch {torch_err:.3g}"
    # and in absolute terms: the output is within a few float32 ulps of the truth
    assert err["output"][0] < 4 * np.finfo(np.float32).eps * np.abs(truth).max()


def test_weight_norm_and_spectral_norm_match_pytorch(rng):
    v = rng.normal(size=(4, 3, 2))
    g = rng.uniform(0.5, 2.0, 4)
    want = torch._weight_norm(t(v), t(g.reshape(4, 1, 1)), 0)
    np.testing.assert_allclose(nc.weight_norm(v, g, 0), want.numpy(), rtol=1e-12)
    w = rng.normal(size=(5, 3))
    u = rng.normal(size=5)
    u = u / np.linalg.norm(u)
    _, sigma, u_new, v_new = nc.spectral_norm(w, u, n_power_iterations=3)
    tu, tw = t(u), t(w)
    for _ in range(3):
        tv = F.normalize(tw.t() @ tu, dim=0, eps=1e-12)
        tu = F.normalize(tw @ tv, dim=0, eps=1e-12)
    np.testing.assert_allclose(sigma, float(tu @ tw @ tv), rtol=1e-12)
    np.testing.assert_allclose(u_new, tu.numpy(), rtol=1e-12)


def test_float32_backward_error_is_no_worse_than_pytorch_on_large_mean_small_spread():
    """The fused one-sweep backward statistics keep float32 gradients as accurate as PyTorch's."""
    rng = np.random.default_rng(11)
    x = (rng.normal(size=(64, 8, 32)) * 0.01 + 1000.0).astype(np.float32)
    dy = rng.normal(size=x.shape).astype(np.float32)
    w = rng.uniform(0.5, 1.5, 8).astype(np.float32)
    truth = nc.batch_norm_backward(
        dy.astype(np.float64), x.astype(np.float64), w.astype(np.float64)
    )
    ours = nc.batch_norm_backward(dy, x, w)
    tx, tdy, tw = t_native(x), t_native(dy), t_native(w)
    _, save_mean, save_invstd = torch.ops.aten.native_batch_norm(
        tx, tw, None, None, None, True, 0.1, 1e-5
    )
    theirs = torch.ops.aten.native_batch_norm_backward(
        tdy, tx, tw, None, None, save_mean, save_invstd, True, 1e-5, [True, True, True]
    )
    for name, mine, their, true in zip(
        ("dx", "dweight", "dbias"), ours, theirs, truth, strict=True
    ):
        mine_err = np.abs(mine - true).max()
        torch_err = np.abs(their.numpy() - true).max()
        assert mine_err <= torch_err, f"{name}: normcore {mine_err:.3g} > torch {torch_err:.3g}"
