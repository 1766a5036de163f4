"""Backward passes against float64 central finite differences of ``sum(forward * grad_output)``."""

import numpy as np
import pytest

import normcore as nc


def numeric_grad(f, a, g, h=1e-6):
    """d sum(f(a) * g) / da by central differences, one coordinate at a time."""
    grad = np.zeros_like(a)
    flat, gflat = a.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        up = np.sum(f(a) * g)
        flat[i] = keep - h
        down = np.sum(f(a) * g)
        flat[i] = keep
        gflat[i] = (up - down) / (2 * h)
    return grad


TOL = {"rtol": 1e-6, "atol": 1e-8}


@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 4), (2, 2, 2, 3)])
def test_batch_norm_backward_matches_finite_differences(rng, shape):
    x, g = rng.normal(size=shape), rng.normal(size=shape)
    w, b = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    dx, dw, db = nc.batch_norm_backward(g, x, w, eps=1e-3)

    def fwd(x=x, w=w, b=b):
        return nc.batch_norm(x, None, None, w, b, training=True, eps=1e-3)[0]

    np.testing.assert_allclose(dx, numeric_grad(lambda a: fwd(x=a), x.copy(), g), **TOL)
    np.testing.assert_allclose(dw, numeric_grad(lambda a: fwd(w=a), w.copy(), g), **TOL)
    np.testing.assert_allclose(db, numeric_grad(lambda a: fwd(b=a), b.copy(), g), **TOL)


def test_batch_norm_backward_without_weight_returns_no_parameter_grads(rng):
    x, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    dx, dw, db = nc.batch_norm_backward(g, x)
    assert dw is None and db is None
    np.testing.assert_allclose(dx, nc.batch_norm_backward(g, x, np.ones(3))[0], rtol=1e-14)


@pytest.mark.parametrize("normalized_shape", [4, (3, 4)])
def test_layer_norm_backward_matches_finite_differences(rng, normalized_shape):
    x, g = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4))
    pshape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    w, b = rng.normal(size=pshape), rng.normal(size=pshape)
    dx, dw, db = nc.layer_norm_backward(g, x, normalized_shape, w, b, eps=1e-3)

    def fwd(x=x, w=w, b=b):
        return nc.layer_norm(x, normalized_shape, w, b, eps=1e-3)

    np.testing.assert_allclose(dx, numeric_grad(lambda a: fwd(x=a), x.copy(), g), **TOL)
    np.testing.assert_allclose(dw, numeric_grad(lambda a: fwd(w=a), w.copy(), g), **TOL)
    np.testing.assert_allclose(db, numeric_grad(lambda a: fwd(b=a), b.copy(), g), **TOL)


def test_group_norm_backward_matches_finite_differences(rng):
    x, g = rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 6, 3))
    w, b = rng.normal(size=6), rng.normal(size=6)
    dx, dw, db = nc.group_norm_backward(g, x, 3, w, b, eps=1e-3)

    def fwd(x=x, w=w, b=b):
        return nc.group_norm(x, 3, w, b, eps=1e-3)

    np.testing.assert_allclose(dx, numeric_grad(lambda a: fwd(x=a), x.copy(), g), **TOL)
    np.testing.assert_allclose(dw, numeric_grad(lambda a: fwd(w=a), w.copy(), g), **TOL)
    np.testing.assert_allclose(db, numeric_grad(lambda a: fwd(b=a), b.copy(), g), **TOL)


def test_rms_norm_backward_matches_finite_differences(rng):
    x, g = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    w = rng.normal(size=5)
    dx, dw = nc.rms_norm_backward(g, x, 5, w, eps=1e-3)
    np.testing.assert_allclose(
        dx, numeric_grad(lambda a: nc.rms_norm(a, 5, w, 1e-3), x.copy(), g), **TOL
    )
    np.testing.assert_allclose(
        dw, numeric_grad(lambda a: nc.rms_norm(x, 5, a, 1e-3), w.copy(), g), **TOL
    )
    assert nc.rms_norm_backward(g, x, 5)[1] is None


def test_backward_rejects_grad_output_of_another_shape(rng):
    with pytest.raises(nc.NormError, match=r"grad_output of shape \(4, 2\).*\(4, 3\)"):
        nc.batch_norm_backward(np.ones((4, 2)), np.ones((4, 3)))
