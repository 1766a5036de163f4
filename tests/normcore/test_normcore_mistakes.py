"""The mistake catalog: contract shape, and every mistake really differs from the reference."""

import inspect

import numpy as np
import pytest

import normcore as nc
from normcore import mistakes

REQUIRED = {
    "biased-running-var",
    "keras-momentum",
    "wrong-axes",
    "eps-outside-sqrt",
    "eval-uses-batch-stats",
    "missing-affine",
    "unbiased-normalization",
    "running-stats-not-updated",
    "no-mean-term",
    "no-variance-term",
    "grad-sums-wrong-axes",
    "interleaved-groups",
}


def example_args(name, rng, dtype=np.float32):
    """Inputs under which each mistake shows (eval for eval-only mistakes is added by the test)."""
    x = rng.normal(1.0, 2.0, (6, 4, 5)).astype(dtype)
    c = lambda lo, hi: rng.uniform(lo, hi, 4).astype(dtype)  # noqa: E731
    c5 = lambda lo, hi: rng.uniform(lo, hi, 5).astype(dtype)  # noqa: E731
    return {
        "batch_norm": (x, c(-1, 1), c(0.5, 2), c(0.5, 2), c(-1, 1), True, 0.2, 1e-2),
        "batch_norm_backward": (rng.normal(size=x.shape).astype(dtype), x, c(0.5, 2), 1e-2),
        "layer_norm": (x, (5,), rng.normal(size=5).astype(dtype), None, 1e-2),
        "layer_norm_backward": (
            rng.normal(size=x.shape).astype(dtype),
            x,
            5,
            np.ones(5, dtype),
            np.zeros(5, dtype),
        ),
        "group_norm": (rng.normal(size=(2, 6, 5)).astype(dtype), 3, None, None, 1e-5),
        "rms_norm": (x * 0.01, 5, None, None),
        "rms_norm_backward": (rng.normal(size=x.shape).astype(dtype), x, 5, c5(0.5, 2)),
        "fold_batchnorm": (
            rng.normal(size=(4, 4, 3)).astype(dtype),
            c(-1, 1),
            c(0.5, 2),
            c(-1, 1),
            c(-1, 1),
            c(0.5, 2),
        ),
        "combine_batch_stats": (
            np.array([2, 7, 3]),
            rng.normal(size=(3, 2)),
            rng.uniform(0.5, 2, (3, 2)),
        ),
    }[name]


def as_tuple(r):
    return r if isinstance(r, tuple) else (r,)


def test_catalog_has_the_required_mistakes_with_unique_slugs():
    slugs = [m.slug for m in mistakes.CATALOG]
    assert len(slugs) == len(set(slugs))
    assert REQUIRED <= set(slugs)
    for target in [
        "layer_norm",
        "group_norm",
        "rms_norm",
        "fold_batchnorm",
        "combine_batch_stats",
        "batch_norm_backward",
    ]:
        assert len(mistakes.mistakes_for(target)) >= 2


@pytest.mark.parametrize("mistake", mistakes.CATALOG, ids=lambda m: m.slug)
def test_mistake_has_the_reference_signature_and_plain_explanation(mistake):
    ref = getattr(nc, mistake.applies_to)
    assert list(inspect.signature(mistake.fn).parameters) == list(inspect.signature(ref).parameters)
    assert mistake.title and 40 <= len(mistake.explanation) <= 400
    assert mistakes.get(mistake.slug) is mistake


@pytest.mark.parametrize("mistake", mistakes.CATALOG, ids=lambda m: m.slug)
def test_mistake_output_differs_from_reference_but_keeps_structure(mistake, rng):
    ref = getattr(nc, mistake.applies_to)
    args = list(example_args(mistake.applies_to, rng))
    if mistake.slug == "eval-uses-batch-stats":
        args[5] = False
    want = as_tuple(ref(*args))
    got = as_tuple(mistake.fn(*args))
    again = as_tuple(mistake.fn(*args))
    assert len(got) == len(want)
    differs = False
    for g, w, a in zip(got, want, again, strict=True):
        assert (g is None) == (w is None)
        if g is None:
            continue
        np.testing.assert_array_equal(g, a)  # deterministic
        g, w = np.asarray(g), np.asarray(w)
        assert g.dtype == w.dtype
        if g.shape != w.shape or not np.allclose(g, w, rtol=1e-4, atol=1e-5):
            differs = True
    assert differs, f"{mistake.slug} reproduces the reference"


def test_mistakes_for_unknown_function_is_an_error_and_get_unknown_slug_is_key_error():
    with pytest.raises(ValueError, match="unknown normcore function"):
        mistakes.mistakes_for("batchnorm")
    with pytest.raises(KeyError, match="no mistake"):
        mistakes.get("nope")


# The search composes OPERATORS over variant factories: with no departure, each factory must be
# the reference itself (else every composition would carry a hidden mistake), and one
# function's operators must not share a slug.
@pytest.mark.parametrize("name", sorted(mistakes.OPERATORS))
def test_a_variant_without_departures_is_the_reference(name):
    rng = np.random.default_rng(3)
    args = example_args(name, rng, np.float64)
    reference = as_tuple(getattr(nc, name)(*args))
    plain = as_tuple(mistakes.variant(name, {})(*args))
    assert len(plain) == len(reference)
    for got, want in zip(plain, reference, strict=True):
        if want is None:
            assert got is None
        else:
            np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-9, atol=1e-12)
    slugs = [op.slug for op in mistakes.OPERATORS[name]]
    assert len(slugs) == len(set(slugs))
    assert all(op.function == name and op.phrase for op in mistakes.OPERATORS[name])


# Which positional argument is the input x, per function.
ARG_X = {
    "batch_norm": 0,
    "batch_norm_backward": 1,
    "layer_norm": 0,
    "layer_norm_backward": 1,
    "group_norm": 0,
    "rms_norm": 0,
    "rms_norm_backward": 1,
    "fold_batchnorm": 0,
    "combine_batch_stats": 1,
}


def test_each_operator_departs_from_the_reference_on_some_input():
    """An operator that changes nothing anywhere would only slow the search down."""
    rng = np.random.default_rng(5)
    inert = []
    for name, operators in mistakes.OPERATORS.items():
        calls = [example_args(name, rng, np.float64)]
        # eps left at its default, eval mode, two normalized dims: where some operators show
        if name in ("batch_norm", "layer_norm", "group_norm", "rms_norm"):
            calls.append(calls[0][:-1] if name != "rms_norm" else calls[0][:2] + (None,))
        if name == "batch_norm":
            calls.append(calls[0][:5] + (False,) + calls[0][6:])
        if name in ("layer_norm", "rms_norm", "layer_norm_backward"):
            x = rng.normal(size=(3, 4, 5))
            calls.append(
                (x, (4, 5))
                if name != "layer_norm_backward"
                else (x, x, (4, 5), rng.normal(size=(4, 5)), rng.normal(size=(4, 5)))
            )
        # large means (cancellation), an explicit large eps, a bias (affine order)
        big = tuple(a + 1e8 if a is calls[0][ARG_X[name]] else a for a in calls[0])
        calls.append(big)
        if name in ("layer_norm", "group_norm"):
            c = calls[0][0].shape[-1] if name == "layer_norm" else calls[0][0].shape[1]
            calls.append(calls[0][:2] + (rng.normal(size=c), rng.normal(size=c), 0.5))
        if name == "rms_norm":
            calls.append(calls[0][:2] + (rng.normal(size=5), 0.5))
        if name in (
            "batch_norm_backward",
            "layer_norm_backward",
            "rms_norm_backward",
            "fold_batchnorm",
        ):
            # batch_norm_backward's example ends with its eps; the others leave eps out
            head = calls[0][:-1] if name == "batch_norm_backward" else calls[0]
            calls.append(head + (0.5,))
        reference = [as_tuple(getattr(nc, name)(*a)) for a in calls]
        for op in operators:
            fn = mistakes.variant(name, dict(op.knobs))
            moved = False
            for a, want in zip(calls, reference, strict=True):
                try:
                    with np.errstate(all="ignore"):
                        got = as_tuple(fn(*a))
                except Exception:
                    continue
                moved |= any(
                    g is not None
                    and w is not None
                    and (np.shape(g) != np.shape(w) or not np.allclose(g, w, rtol=1e-6, atol=1e-9))
                    for g, w in zip(got, want, strict=True)
                )
            if not moved:
                inert.append(f"{name}:{op.slug}")
    assert not inert
