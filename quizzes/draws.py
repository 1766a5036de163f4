"""Drawing questions at random without two of one exclusion group, and less often when
over-exposed.

A question's `excludes` names the questions it gives away or duplicates. The relation is
symmetric and its closure makes exclusion groups: if A excludes B and B excludes C, then
A, B and C are one group and a draw holds at most one of them. `draw` picks one question
at a time, each eligible question with probability proportional to its weight, and then
removes the picked question's whole group from the pool.
"""

import random
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

from django.conf import settings

from .models import Question

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def exclusion_groups(declared: Mapping[K, Iterable[K]]) -> dict[K, K]:
    """Each key that takes part in an exclusion, mapped to its group's representative
    (the smallest key of its connected component); a key absent from the result is a
    group of its own.

    >>> exclusion_groups({"a": ["b"], "c": ["b"], "d": []})
    {'a': 'a', 'b': 'a', 'c': 'a'}
    """
    parent: dict[K, K] = {}

    def root(key: K) -> K:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key, others in declared.items():
        for other in others:
            a, b = root(key), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {key: root(key) for key in parent}


def draw(
    pool: Sequence[T],
    count: int,
    rng: random.Random,
    *,
    group_of: Callable[[T], Hashable],
    avoid: Iterable[Hashable] = (),
    weight_of: Callable[[T], float] | None = None,
) -> list[T]:
    """Up to `count` items of `pool`, no two with the same `group_of`, none whose group is
    in `avoid` (groups already in the attempt); as many as the pool's distinct groups allow.

    Each step picks among the eligible items with probability proportional to
    `weight_of(item)` (1 when not given; must be > 0)."""
    used = set(avoid)
    eligible = [item for item in pool if group_of(item) not in used]
    weights = [1.0 if weight_of is None else float(weight_of(item)) for item in eligible]
    if any(not w > 0 for w in weights):
        raise ValueError("draw weights must be positive")
    picked: list[T] = []
    while eligible and len(picked) < count:
        (index,) = rng.choices(range(len(eligible)), weights=weights)
        item = eligible[index]
        picked.append(item)
        group = group_of(item)
        keep = [i for i, other in enumerate(eligible) if group_of(other) != group]
        eligible = [eligible[i] for i in keep]
        weights = [weights[i] for i in keep]
    return picked


def bank_exclusion_groups() -> dict[str, str]:
    """The exclusion groups of the stored bank, by question key."""
    declared = Question.objects.exclude(excludes=[]).values_list("key", "excludes")
    return exclusion_groups(dict(declared))


def group_key(groups: Mapping[str, str], key: str) -> str:
    """The exclusion group of the question `key` (its own key when it is in none)."""
    return groups.get(key, key)


def draw_capacity(
    keys: Iterable[str],
    *,
    avoid_keys: Iterable[str] = (),
    groups: Mapping[str, str] | None = None,
) -> int:
    """The most questions `draw_questions` can take from the questions `keys` with
    `avoid_keys` already in the attempt: one per exclusion group, none of an avoided group."""
    groups = bank_exclusion_groups() if groups is None else groups
    avoid = {group_key(groups, key) for key in avoid_keys}
    return len({group_key(groups, key) for key in keys} - avoid)


def exposure_weight(seen_by: int, limit: int | None = None) -> float:
    """How much less often a question seen by `seen_by` candidates is drawn: 1 up to the
    exposure limit, then `limit / seen_by` (docs/bank.md); a limit of 0 rotates nothing."""
    limit = settings.QUIZZES_EXPOSURE_LIMIT if limit is None else limit
    return 1.0 if limit <= 0 or seen_by <= limit else limit / seen_by


def draw_questions(
    questions: Sequence[Question],
    count: int,
    rng: random.Random,
    *,
    avoid_keys: Iterable[str] = (),
    groups: Mapping[str, str] | None = None,
    rotate_exposed: bool = True,
) -> list[Question]:
    """`draw` over bank questions: exclusion groups from the bank, questions already in
    the attempt (`avoid_keys`) blocking their groups, and over-exposed questions drawn
    less when `rotate_exposed`."""
    groups = bank_exclusion_groups() if groups is None else groups

    def group_of(question: Question) -> str:
        return group_key(groups, question.key)

    return draw(
        questions,
        count,
        rng,
        group_of=group_of,
        avoid={group_key(groups, key) for key in avoid_keys},
        weight_of=(lambda q: exposure_weight(q.seen_by)) if rotate_exposed else None,
    )
