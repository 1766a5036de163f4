"""What every problem family builds its cases from: a stable random generator per case name,
arrays of a given shape and dtype, the argument forms of a normalized shape, the axis
names of an (N, C, *S) array, a case's tags, and the weights of core and edge cases."""

from __future__ import annotations

import zlib

import numpy as np

from grader.engine.problems.base import tup, val


def seeded_rng(name: str) -> np.random.Generator:
    # A stable seed per case name: adding a case never changes the others.
    return np.random.default_rng(zlib.crc32(name.encode()))


def as_f64(a):
    return None if a is None else np.asarray(a, dtype=np.float64)


def normal_array(rng, shape, dtype, *, loc=0.0, scale=1.0) -> np.ndarray:
    return (loc + scale * rng.standard_normal(shape)).astype(dtype)


def positive_array(rng, shape, dtype, low=0.5, high=2.0) -> np.ndarray:
    return rng.uniform(low, high, shape).astype(dtype)


def ns_arg(value: int | tuple[int, ...]) -> dict:
    return val(value) if isinstance(value, int) else tup(value)


def ns_tuple(value: int | tuple[int, ...]) -> tuple[int, ...]:
    return (value,) if isinstance(value, int) else tuple(value)


def nc_axes(ndim: int) -> tuple[str, ...]:
    """Axis names of an (N, C, *S) array."""
    return ("N", "C", *(f"S{k}" for k in range(1, ndim - 1)))


def case_tags(*pairs: tuple[bool, str]) -> frozenset[str]:
    return frozenset(tag for present, tag in pairs if present)


# Case weights: the behaviour a problem is about counts twice as much as an edge case.
CORE, EDGE = 2.0, 1.0
