"""Fixtures for normcore's tests: a seeded generator; nothing here needs Django or a database."""

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240601)
