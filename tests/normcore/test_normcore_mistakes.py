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
