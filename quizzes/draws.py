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
from typing import NamedTuple, TypeVar

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


class Draw(NamedTuple):
    """One random draw of an attempt: from the questions `keys`, `count` of them, with
    `avoid_keys` (the picked questions) already in the attempt when it is made."""

    keys: Iterable[str]
    count: int
    avoid_keys: Iterable[str] = ()


def draws_capacity(draws: Sequence[Draw], *, groups: Mapping[str, str] | None = None) -> list[int]:
    """For each of an attempt's draws, made one after the other, the fewest questions it is
    sure to find whatever the draws before it took: its exclusion groups (less the avoided
    ones) minus the most of them the earlier draws can hold at once. Every candidate gets
    `count` questions from draw i exactly when `count <= result[i]`.

    The earlier draws pick at random, so any choice among their pools can happen; the most
    they can take from draw i's pool is a maximum matching of their `count`s into the
    groups the pools share (one group per question: an attempt never holds two of one).

    >>> draws_capacity([Draw(["a", "b"], 1), Draw(["a"], 1)], groups={})
    [2, 0]
    """
    groups = bank_exclusion_groups() if groups is None else groups
    pools = []
    for one in draws:
        avoid = {group_key(groups, key) for key in one.avoid_keys}
        pools.append({group_key(groups, key) for key in one.keys} - avoid)
    return [
        len(pool) - _most_held(pools[:i], [d.count for d in draws[:i]], pool)
        for i, pool in enumerate(pools)
    ]


def _most_held(pools: list[set[str]], counts: list[int], target: set[str]) -> int:
    """The most groups of `target` that draws with these pools and counts can hold
    together, one draw per group (a b-matching grown by augmenting paths)."""
    reach = [pool & target for pool in pools]
    holder: dict[str, int] = {}  # group -> the draw holding it

    def augment(draw_index: int, seen_draws: set[int], seen_groups: set[str]) -> bool:
        # Give `draw_index` one more group: a free one, or one whose holder can move.
        seen_draws.add(draw_index)
        for group in sorted(reach[draw_index] - seen_groups):
            seen_groups.add(group)
            other = holder.get(group)
            if other is None or (
                other not in seen_draws and augment(other, seen_draws, seen_groups)
            ):
                holder[group] = draw_index
                return True
        return False

    for index, count in enumerate(counts):
        for _ in range(min(count, len(reach[index]))):
            if not augment(index, set(), set()):
                break
    return len(holder)


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
