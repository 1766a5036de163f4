"""The one exception family of normcore."""

from __future__ import annotations

__all__ = ["NormError"]


class NormError(ValueError):
    """A bad argument to a normcore function: wrong shape, length, dtype or value.

    A subclass of :class:`ValueError`, so ``except ValueError`` catches it, as it catches
    PyTorch's own "Expected more than 1 value per channel when training".
    """
