"""Array-library layer: NumPy is the fast path; PyTorch and CuPy arrays go through array-api-compat.

normcore must import with NumPy alone, so array-api-compat is imported only when a
non-NumPy array arrives. Every public function calls :func:`namespace` once on its array
arguments and then writes its math with ``xp.<op>`` calls that NumPy 2 and the
array-api-compat namespaces both provide.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from .errors import NormError

__all__ = ["namespace", "is_numpy", "device_of", "to_float64", "astype", "as_array"]

_FOREIGN_PREFIXES = ("torch", "cupy", "jax", "dask")


def _is_foreign(x: Any) -> bool:
    module = type(x).__module__ or ""
    return module.split(".", 1)[0] in _FOREIGN_PREFIXES


def namespace(*arrays: Any) -> ModuleType:
    """Return ``numpy`` for NumPy / array-like arguments, else the array-api-compat namespace.

    ``None`` arguments are skipped. Mixing NumPy arrays with another library's arrays is an
    error (the result would have to live on one device), as are two different libraries.
    """
    foreign = [a for a in arrays if a is not None and _is_foreign(a)]
    if not foreign:
        return np
    try:
        import array_api_compat
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NormError(
            f"normcore needs the 'array-api-compat' package to work on "
            f"{type(foreign[0]).__module__} arrays; install array-api-compat"
        ) from exc
    others = [a for a in arrays if a is not None and not _is_foreign(a) and not np.isscalar(a)]
    if others:
        raise NormError(
            "cannot mix NumPy arrays with "
            f"{type(foreign[0]).__module__} arrays in one call; convert them to one library"
        )
    try:
        return array_api_compat.array_namespace(*foreign)
    except TypeError as exc:
        raise NormError(f"arrays from different libraries in one call: {exc}") from exc


def is_numpy(xp: ModuleType) -> bool:
    return xp is np


def device_of(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return "cpu"
    import array_api_compat

    return array_api_compat.device(x)


def as_array(x: Any, xp: ModuleType, name: str) -> Any:
    """``x`` as an array of namespace ``xp`` (NumPy array-likes such as lists are accepted)."""
    if x is None:
        return None
    if xp is np:
        if isinstance(x, np.ndarray):
            return x
        if _is_foreign(x):  # pragma: no cover - namespace() rejects this earlier
            raise NormError(f"{name} is a {type(x).__module__} array in a NumPy call")
        return np.asarray(x)
    return x


def to_float64(x: Any, xp: ModuleType) -> Any:
    """Float64 copy of ``x`` in its own namespace (and on its own device)."""
    return xp.astype(x, xp.float64)


def astype(x: Any, dtype: Any, xp: ModuleType) -> Any:
    if x.dtype == dtype:
        return x
    return xp.astype(x, dtype)
