"""The same functions on PyTorch tensors (CPU always, CUDA when available): same library and
device out, same numbers as the NumPy path."""

import numpy as np
import pytest

import normcore as nc

torch = pytest.importorskip("torch")
pytest.importorskip("array_api_compat")

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def on(device, *arrays):
    return [None if a is None else torch.from_numpy(np.array(a)).to(device) for a in arrays]


def same(got, want, device):
    if want is None:
        assert got is None
        return
    assert isinstance(got, torch.Tensor) and got.device.type == device
    got = got.cpu().numpy()
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-6)


CASES = [
    ("batch_norm", lambda x, g, w, b, rm, rv: ((x, rm, rv, w, b, True, 0.1), {})),
    ("batch_norm", lambda x, g, w, b, rm, rv: ((x, rm, rv, w, b, False), {})),
    ("batch_norm_backward", lambda x, g, w, b, rm, rv: ((g, x, w), {})),
    ("instance_norm", lambda x, g, w, b, rm, rv: ((x, rm, rv, w, b), {})),
    ("group_norm", lambda x, g, w, b, rm, rv: ((x, 2, w, b), {})),
    ("group_norm_backward", lambda x, g, w, b, rm, rv: ((g, x, 2, w, b), {})),
    ("layer_norm", lambda x, g, w, b, rm, rv: ((x, (5,)), {})),
    ("layer_norm_backward", lambda x, g, w, b, rm, rv: ((g, x, 5), {})),
    ("rms_norm", lambda x, g, w, b, rm, rv: ((x, 5), {})),
    ("rms_norm_backward", lambda x, g, w, b, rm, rv: ((g, x, 5), {})),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, build", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_torch_tensors_give_torch_tensors_with_numpy_numbers(rng, device, dtype, name, build):
    x = rng.normal(2.0, 3.0, (3, 4, 5)).astype(dtype)
    g = rng.normal(size=x.shape).astype(dtype)
    w, b = rng.normal(size=4).astype(dtype), rng.normal(size=4).astype(dtype)
    rm, rv = rng.normal(size=4).astype(dtype), rng.uniform(0.5, 2, 4).astype(dtype)
    args, kwargs = build(x, g, w, b, rm, rv)
    fn = getattr(nc, name)
    want = fn(*args, **kwargs)
    targs = [on(device, a)[0] if isinstance(a, np.ndarray) else a for a in args]
    got = fn(*targs, **kwargs)
    for gg, ww in zip(
        got if isinstance(got, tuple) else (got,),
        want if isinstance(want, tuple) else (want,),
        strict=True,
    ):
        same(gg, ww, device)


@pytest.mark.parametrize("device", DEVICES)
def test_extras_on_torch_tensors(rng, device):
    w, bias, gamma, beta, rm, rv = (rng.normal(size=s) for s in [(4, 3), 4, 4, 4, 4, 4])
    rv = np.abs(rv) + 0.5
    want = nc.fold_batchnorm(w, bias, gamma, beta, rm, rv)
    for got, ref in zip(
        nc.fold_batchnorm(*on(device, w, bias, gamma, beta, rm, rv)), want, strict=True
    ):
        same(got, ref, device)
    x = rng.normal(size=(6, 3))
    for got, ref in zip(nc.moments(on(device, x)[0], axis=0), nc.moments(x, axis=0), strict=True):
        same(got, ref, device)
    counts = np.array([2, 0, 4])
    means, variances = rng.normal(size=(3, 2)), rng.uniform(0.5, 1, (3, 2))
    _, mean, var = nc.combine_batch_stats(counts, *on(device, means, variances))
    _, ref_mean, ref_var = nc.combine_batch_stats(counts, means, variances)
    same(mean, ref_mean, device)
    same(var, ref_var, device)


def test_mixing_numpy_and_torch_is_a_clear_error(rng):
    with pytest.raises(nc.NormError, match="cannot mix NumPy arrays"):
        nc.batch_norm(torch.ones(4, 3), np.zeros(3), np.ones(3), training=True)
