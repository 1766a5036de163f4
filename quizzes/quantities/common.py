"""What the quantities share: PyTorch's default eps and the small arrays they build."""

from __future__ import annotations

import numpy as np

EPS = 1e-5  # PyTorch's default batch/layer/group norm epsilon, stated in the prompts


def column(*values: float) -> np.ndarray:
    """A batch of N samples of one feature, shape ``(N, 1)``, as batch norm expects."""
    return np.array(values, dtype=np.float64).reshape(-1, 1)


def one(a: float) -> np.ndarray:
    return np.array([a], dtype=np.float64)


def batch_with_mean(mean: float) -> np.ndarray:
    """A two-sample batch whose mean is ``mean`` (batch norm refuses one value per channel)."""
    return column(mean - 1.0, mean + 1.0)
