"""What the failing cases of a wrong answer have in common: a crash or a wrong value confined
to the cases of one tag (no affine parameters, eval mode, an empty first shard...), or, when
no tag explains a crash, the shapes and arguments its cases share."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from grader.engine.problems import Case
from grader.engine.problems.base import (
    BIAS_NONE,
    CONV,
    DEFAULTS,
    EMPTY_FIRST_SHARD,
    EPS_SENSITIVE,
    EVAL,
    EXPLICIT_EPS,
    INT_SHAPE,
    LARGE_MEANS,
    WEIGHT_NONE,
)
from grader.engine.report import MEDIUM, Diagnosis

if TYPE_CHECKING:
    from grader.engine.report import CaseOutcome


# A crash confined to the cases with one of these tags.
CRASH_CONFINED = {
    "affine-none": Diagnosis(
        "crash-when-affine-none",
        "Crashes when weight or bias is None",
        "The function raised only on the cases where weight or bias is None. Each may be None "
        "on its own (no scale, no shift); skip that step instead of using the value.",
    ),
    INT_SHAPE: Diagnosis(
        "crash-when-normalized-shape-int",
        "Crashes when normalized_shape is an int",
        "The function raised only when normalized_shape was a plain int. An int n means "
        "(n,): turn it into a tuple before using it.",
    ),
    CONV: Diagnosis(
        "fold-linear-only-broadcast",
        "Broadcasting that works only for a linear layer",
        "The function raised only for convolution weights (C_out, C_in, *K). The scale "
        "must be reshaped to (C_out, 1, ..., 1) so it multiplies every output channel's "
        "filter, whatever the number of kernel dims.",
    ),
    EMPTY_FIRST_SHARD: Diagnosis(
        "sync-empty-first-shard",
        "Fails when the first shard is empty",
        "The function raised when the first shard's count is 0; an empty shard may come "
        "first and must contribute nothing.",
    ),
    DEFAULTS: Diagnosis(
        "cs231n-missing-defaults",
        "Fails when bn_param leaves out optional entries",
        "The function raised when bn_param held only 'mode'. eps, momentum and the "
        "running statistics have defaults (1e-5, 0.9, zeros of shape (D,)).",
    ),
}

# Wrong values confined to the cases with one of these tags (checked in this order).
WRONG_CONFINED = {
    EMPTY_FIRST_SHARD: Diagnosis(
        "sync-empty-first-shard",
        "Wrong when the first shard is empty",
        "The result is wrong only when the first shard has count 0 (for example the "
        "combination starts from shard 0's mean). An empty shard, first or not, must "
        "contribute nothing.",
    ),
    LARGE_MEANS: Diagnosis(
        "precision-lost-large-means",
        "Precision lost when the means are large",
        "The result is wrong only where the values sit far from zero (means of 1e2 in "
        "float32, 1e6 in float64): the code subtracts two large, nearly equal numbers, as "
        "in E[x^2] - E[x]^2, or accumulates in float32. Center first (or combine deviations "
        "from the mean) and accumulate in float64.",
    ),
    EPS_SENSITIVE: Diagnosis(
        "eps-handling",
        "Wrong where eps matters",
        "The result is wrong only on the cases with a (nearly) constant group of values, "
        "where eps decides the answer: eps must be added to the variance inside the square "
        "root, sqrt(var + eps), and the eps argument used as given.",
    ),
    EXPLICIT_EPS: Diagnosis(
        "eps-argument-ignored",
        "The eps argument is ignored",
        "The result is wrong only where eps was passed explicitly: the code uses its own "
        "constant instead of the argument.",
    ),
    EVAL: Diagnosis(
        "eval-mode-wrong",
        "Evaluation mode is wrong",
        "Training mode is right but evaluation mode is not: in eval mode normalize with "
        "the running statistics, and return them unchanged.",
    ),
    "affine-none": Diagnosis(
        "wrong-when-affine-none",
        "Wrong when weight or bias is None",
        "The result is wrong only where weight or bias is None: None means no scale "
        "(ones) or no shift (zeros).",
    ),
    CONV: Diagnosis(
        "fold-linear-only-broadcast",
        "Broadcasting that works only for a linear layer",
        "The result is right for linear weights and wrong for convolution weights: the "
        "scale must be reshaped to (C_out, 1, ..., 1) before it multiplies the weight.",
    ),
    DEFAULTS: Diagnosis(
        "cs231n-wrong-defaults",
        "Wrong defaults in bn_param",
        "The result is wrong only when bn_param leaves out eps, momentum and the running "
        "statistics: their defaults are 1e-5, 0.9 and zeros of shape (D,).",
    ),
}


def _tag_groups(case: Case) -> set[str]:
    tags = set(case.tags)
    if tags & {WEIGHT_NONE, BIAS_NONE}:
        tags.add("affine-none")
    return tags


def confined_finding(failing: list[Case], passing: list[Case], table: dict) -> Diagnosis | None:
    """The entry of ``table`` for a tag every failing case has and some passing case lacks."""
    if not failing or not passing:
        return None
    for tag, diagnosis in table.items():
        if all(tag in _tag_groups(c) for c in failing) and any(
            tag not in _tag_groups(c) for c in passing
        ):
            return diagnosis
    return None


def _case_features(case: Case) -> dict[tuple, str]:
    """What may set a case apart, each with the words for it: the number of dims of an
    input, a dim of size 1, the dtype, a scalar argument's value, an argument left None."""
    found: dict[tuple, str] = {("dtype", case.dtype): f"the input is {case.dtype}"}
    for name, value in case.inputs.items():
        found[("ndim", name, value.ndim)] = f"{name} has {value.ndim} dims"
        for k in range(2, value.ndim):
            found[("ndim>=", name, k + 1)] = f"{name} has {k + 1} or more dims"
        for k in range(value.ndim, 6):
            found[("ndim<=", name, k)] = f"{name} has {k} dims or fewer"
        for axis, size in zip(case.axes.get(name, ()), value.shape, strict=False):
            if size == 1:
                found[("one", name, axis)] = f"{name}'s axis {axis} has size 1"
    for key, value in case.params.items():
        if isinstance(value, int | float | str | bool | tuple) or value is None:
            found[("param", key, repr(value))] = f"{key} is {value!r}"
    for tag in case.tags:
        found[("tag", tag)] = f"the case is tagged {tag}"
    return found


def _distinguishing(inside: list[Case], outside: list[Case]) -> list[str] | None:
    """The words for one feature, or two together, that every case of ``inside`` has and
    no case of ``outside`` has (None when there is none)."""
    features = [_case_features(c) for c in inside]
    shared = {k: v for k, v in features[0].items() if all(k in f for f in features[1:])}
    others = [set(_case_features(c)) for c in outside]
    keys = list(shared)
    for size in (1, 2):
        for combo in itertools.combinations(keys, size):
            if not any(all(k in o for k in combo) for o in others):
                return [shared[k] for k in combo]
    return None


def _error_type(outcome: CaseOutcome) -> str:
    for row in outcome.rows:
        if row.message.startswith("raised "):
            return row.message.removeprefix("raised ").split(":")[0]
    return "an error"


def crash_pattern(crashed: list[CaseOutcome], others: list[Case]) -> Diagnosis | None:
    """Each kind of crash named by what its cases have and no case that ran has."""
    if not crashed or not others:
        return None
    by_error: dict[str, list[CaseOutcome]] = {}
    for outcome in crashed:
        by_error.setdefault(_error_type(outcome), []).append(outcome)
    sentences = []
    for error, group in by_error.items():
        condition = _distinguishing([o.case for o in group], others)
        if condition is None:
            return None  # one kind of crash nothing explains: say nothing rather than half
        sentences.append(f"It raised {error} on every case where {' and '.join(condition)}.")
    return Diagnosis(
        "crash-on-input-kind",
        "Crashes on one kind of input",
        " ".join(sentences) + " No case without that raised it; those inputs are valid and "
        "must be handled.",
        confidence=MEDIUM,
    ).with_evidence(MEDIUM, f"{len(crashed)} cases raised, {len(others)} did not")
