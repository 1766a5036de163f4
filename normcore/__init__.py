"""normcore: a PyTorch-exact, float64-accurate NumPy reference for normalization layers.

Functional API with ``torch.nn.functional``'s names and argument order (pure: running
statistics are returned, not updated in place), backward passes, ``torch.nn``-style
classes, interview extras and a catalog of classic mistakes (:mod:`normcore.mistakes`).
Imports only NumPy; PyTorch and CuPy arrays are accepted through array-api-compat.
"""

from . import mistakes
from ._stats import get_num_threads, set_num_threads
from .errors import NormError
from .extras import (
    Welford,
    combine_batch_stats,
    fold_batchnorm,
    minmax_scale,
    moments,
    spectral_norm,
    weight_norm,
    welford,
    zscore,
)
from .functional import (
    batch_norm,
    batch_norm_backward,
    group_norm,
    group_norm_backward,
    instance_norm,
    layer_norm,
    layer_norm_backward,
    rms_norm,
    rms_norm_backward,
)
from .modules import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    LayerNorm,
    RMSNorm,
)

__all__ = [
    "NormError",
    # functional
    "batch_norm",
    "batch_norm_backward",
    "layer_norm",
    "layer_norm_backward",
    "group_norm",
    "group_norm_backward",
    "instance_norm",
    "rms_norm",
    "rms_norm_backward",
    # modules
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LayerNorm",
    "GroupNorm",
    "RMSNorm",
    # extras
    "moments",
    "Welford",
    "welford",
    "minmax_scale",
    "zscore",
    "fold_batchnorm",
    "combine_batch_stats",
    "weight_norm",
    "spectral_norm",
    # threads
    "get_num_threads",
    "set_num_threads",
    # the mistake catalog
    "mistakes",
]
