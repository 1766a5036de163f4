from __future__ import annotations

import pickle
import typing
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class GroupNormSpec:
    num_groups: int
    channels: int
    eps: float = 1e-5
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.num_groups, int) or self.num_groups <= 0:
            raise ValueError(f"num_groups must be a positive int, got {self.num_groups!r}")
        if self.channels % self.num_groups:
            raise ValueError(f"num_groups={self.num_groups} does not divide C={self.channels}")


# What an import allows and a bare exec does not: type hints resolved through the module,
# and a round trip of an instance through pickle (both look the module up in sys.modules).
assert typing.get_type_hints(GroupNormSpec)["eps"] is float
assert pickle.loads(pickle.dumps(GroupNormSpec(2, 4))) == GroupNormSpec(2, 4)


def groupnorm_forward(x, num_groups, weight, bias, eps=1e-5):
    spec = GroupNormSpec(num_groups, x.shape[1], eps)
    n = x.shape[0]
    g = x.astype(np.float64).reshape(n, spec.num_groups, -1)
    g = (g - g.mean(axis=2, keepdims=True)) / np.sqrt(g.var(axis=2, keepdims=True) + spec.eps)
    out = g.reshape(x.shape)
    shape = (1, spec.channels) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out.astype(x.dtype)
