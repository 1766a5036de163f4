"""Answer keys of the numeric questions in ``quizzes/bank/numeric/*.yaml``.

Each numeric template names one function here (``answer: {quantity: NAME}``) and the bank
calls it with the template's drawn params as keyword arguments, so every function's keyword
names match its template's ``params`` exactly. The functions are pure and return a Python
``float`` (or an ``int`` for counts).

Where normcore has a function for the computation, the quantity calls it (``batch_norm``,
``layer_norm``, ``rms_norm``, ``group_norm``, ``fold_batchnorm``, ``combine_batch_stats``,
``moments``, ``spectral_norm``, ``weight_norm``) so the question bank and the grader share one
ground truth. Plain arithmetic is used only where no normcore function fits (parameter
counts, bytes moved, a fitted min-max transform of a new value, the scale-invariance factor).
All arrays are float64.
"""

from __future__ import annotations

from .batch_norm import (
    bn2d_state_dict_size,
    bn_eval_output,
    bn_running_mean_update,
    bn_running_var_update,
    bn_train_output,
    checkpointed_bn_running_mean,
    combined_mean,
    combined_variance,
    conv_bn_param_count,
    cumulative_running_mean,
    ema_updates_to_forget,
    finetune_running_mean,
    fold_bn_bytes_saved_mb,
    folded_bias,
    folded_weight,
    identical_batch_bn_output,
    keras_moving_mean_update,
    scale_invariant_relative_step_factor,
    sync_bn_elements_per_statistic,
    train_eval_output_gap,
    unbiased_variance,
)
from .other_norms import (
    adain_output,
    adaln_modulated_output,
    agc_clipped_grad_norm,
    fixup_branch_scale,
    fp16_sum_of_squares_limit,
    group_norm_output,
    layer_norm_output,
    minmax_scaled_value,
    nf_block_beta,
    prediction_entropy,
    qk_norm_max_logit,
    rms_norm_output,
    spectral_norm_2x2,
    weight_norm_component,
    weight_standardized_value,
    zscore_value,
)

__all__ = [
    "bn_train_output",
    "bn_running_mean_update",
    "bn_running_var_update",
    "unbiased_variance",
    "keras_moving_mean_update",
    "ema_updates_to_forget",
    "cumulative_running_mean",
    "bn2d_state_dict_size",
    "bn_eval_output",
    "conv_bn_param_count",
    "scale_invariant_relative_step_factor",
    "sync_bn_elements_per_statistic",
    "combined_mean",
    "combined_variance",
    "layer_norm_output",
    "rms_norm_output",
    "group_norm_output",
    "spectral_norm_2x2",
    "weight_norm_component",
    "minmax_scaled_value",
    "zscore_value",
    "folded_weight",
    "folded_bias",
    "fold_bn_bytes_saved_mb",
    "finetune_running_mean",
    "train_eval_output_gap",
    "checkpointed_bn_running_mean",
    "fixup_branch_scale",
    "nf_block_beta",
    "agc_clipped_grad_norm",
    "fp16_sum_of_squares_limit",
    "qk_norm_max_logit",
    "adaln_modulated_output",
    "adain_output",
    "weight_standardized_value",
    "prediction_entropy",
    "identical_batch_bn_output",
]
