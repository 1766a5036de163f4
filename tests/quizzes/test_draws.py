"""Exclusion-aware draws: never two questions of one exclusion group, over many random
draws, and over-exposed questions drawn less."""

import itertools
import random
from collections import Counter

import pytest

from quizzes.bankfiles import load_bank, read_bank
from quizzes.draws import (
    Draw,
    draw,
    draw_questions,
    draws_capacity,
    exclusion_groups,
    exposure_weight,
)
from quizzes.models import Question
from quizzes.practice import practice_start

from .conftest import SINGLE


def test_groups_are_the_symmetric_transitive_closure_of_excludes():
    groups = exclusion_groups({"a": ["b"], "c": ["b"], "d": ["e"], "f": []})
    assert groups["a"] == groups["b"] == groups["c"]
    assert groups["d"] == groups["e"] != groups["a"]
    assert "f" not in groups  # a question with no exclusion is its own group


def test_a_chain_declared_in_any_order_is_one_group():
    groups = exclusion_groups({"z": ["y"], "x": ["w"], "y": ["x"]})
    assert len(set(groups.values())) == 1


# A pool of 12 items: {0,1,2} one group (a chain), {3,4} one group, the rest alone.
POOL_GROUPS = exclusion_groups({0: [1], 2: [1], 3: [4]})


def _group(item: int) -> int:
    return POOL_GROUPS.get(item, item)


def test_no_random_draw_holds_two_items_of_one_group():
    rng = random.Random(7)
    for _ in range(3000):
        count = rng.randint(1, 12)
        picked = draw(list(range(12)), count, rng, group_of=_group)
        groups = [_group(item) for item in picked]
        assert len(groups) == len(set(groups)), picked
        # The pool has 9 groups: a draw is as full as the groups allow.
        assert len(picked) == min(count, 9)


def test_every_item_of_a_group_gets_drawn_and_loners_are_drawn_uniformly():
    rng = random.Random(11)
    seen = Counter()
    runs = 6000
    for _ in range(runs):
        seen.update(draw(list(range(12)), 4, rng, group_of=_group))
    assert set(seen) == set(range(12))
    loners = [seen[i] / runs for i in range(5, 12)]
    # Each loner's share; 6000 draws give a standard error near 0.006.
    assert max(loners) - min(loners) < 0.05, loners


def test_groups_already_in_the_attempt_are_avoided():
    rng = random.Random(3)
    for _ in range(500):
        picked = draw(list(range(12)), 12, rng, group_of=_group, avoid={_group(1)})
        assert not {0, 1, 2} & set(picked)


def test_weights_make_an_item_drawn_proportionally_less():
    rng = random.Random(5)
    hits = Counter()
    runs = 20000
    for _ in range(runs):
        (item,) = draw(
            ["worn", "fresh"],
            1,
            rng,
            group_of=str,
            weight_of=lambda x: 0.25 if x == "worn" else 1.0,
        )
        hits[item] += 1
    assert hits["worn"] / runs == pytest.approx(0.2, abs=0.015)


def test_the_exposure_weight_follows_the_documented_rule():
    assert exposure_weight(150, limit=200) == 1.0
    assert exposure_weight(200, limit=200) == 1.0
    assert exposure_weight(400, limit=200) == 0.5
    assert exposure_weight(10_000, limit=0) == 1.0


def _bank_of(bank_dir, n: int, excludes: dict[int, str]) -> None:
    for i in range(n):
        text = SINGLE.replace("op-eps", f"op-{i:02d}")
        if i in excludes:
            text = text.replace(
                "    level: junior\n", f"    level: junior\n    excludes: {excludes[i]}\n"
            )
        bank_dir(f"mcq/q{i:02d}.yaml", text)
    load_bank(read_bank(bank_dir.root))


@pytest.mark.django_db
def test_bank_draws_respect_the_stored_exclusions(bank_dir):
    _bank_of(bank_dir, 8, {0: "[op-01, op-02]", 3: "[op-02]", 5: "[op-06]"})
    questions = list(Question.objects.order_by("key"))
    rng = random.Random(1)
    together = [{"op-00", "op-01", "op-02", "op-03"}, {"op-05", "op-06"}]
    for _ in range(400):
        keys = {q.key for q in draw_questions(questions, 8, rng)}
        assert all(len(keys & group) <= 1 for group in together), keys
        assert len(keys) == 4  # two groups plus op-04 and op-07


@pytest.mark.django_db
def test_bank_draws_rotate_over_exposed_questions(bank_dir, settings):
    settings.QUIZZES_EXPOSURE_LIMIT = 100
    _bank_of(bank_dir, 2, {})
    Question.objects.filter(key="op-00").update(seen_by=400)
    questions = list(Question.objects.order_by("key"))
    rng = random.Random(2)
    hits = Counter(draw_questions(questions, 1, rng)[0].key for _ in range(4000))
    # Weight 100/400 against 1: drawn a fifth of the time.
    assert hits["op-00"] / 4000 == pytest.approx(0.2, abs=0.03)


@pytest.mark.django_db
def test_a_practice_quiz_never_holds_two_questions_of_one_group(bank_dir):
    _bank_of(bank_dir, 6, {0: "[op-01]", 2: "[op-03]", 4: "[op-05]"})
    for _ in range(60):
        run = practice_start(None, "", 5)
        keys = set(
            Question.objects.filter(
                latest_version__in=[i["version"] for i in run.items]
            ).values_list("key", flat=True)
        )
        assert len(keys) == 3
        for pair in ({"op-00", "op-01"}, {"op-02", "op-03"}, {"op-04", "op-05"}):
            assert len(keys & pair) == 1


def _fewest_found(draws: list[Draw], groups: dict[str, str]) -> list[int]:
    """Brute force: every way the attempt's draws can go, one after the other (each takes
    any `count` of its eligible groups, or all when fewer), and for each draw the fewest
    eligible groups it ever meets."""
    fewest = [None] * len(draws)

    def walk(index: int, used: frozenset) -> None:
        if index == len(draws):
            return
        one = draws[index]
        avoid = {groups.get(k, k) for k in one.avoid_keys}
        eligible = {groups.get(k, k) for k in one.keys} - avoid - used
        if fewest[index] is None or len(eligible) < fewest[index]:
            fewest[index] = len(eligible)
        for taken in itertools.combinations(sorted(eligible), min(one.count, len(eligible))):
            walk(index + 1, used | set(taken))

    walk(0, frozenset())
    return fewest


def test_overlapping_draws_count_what_the_earlier_draws_may_take():
    same = ["a", "b", "c", "d", "e"]
    # Two sections with the same filters: 3 + 3 of 5 questions cannot always be honoured.
    assert draws_capacity([Draw(same, 3), Draw(same, 3)], groups={}) == [5, 2]
    # One exclusion group {a, b}: 4 distinct groups, so 2 + 2 is the most.
    assert draws_capacity([Draw(same, 2), Draw(same, 2)], groups={"a": "a", "b": "a"}) == [4, 2]
    # A narrower later pool is emptied by a wider earlier draw that may take all of it.
    assert draws_capacity([Draw(same, 2), Draw(["a", "b"], 1)], groups={}) == [5, 0]
    # A picked question blocks its group for the draw that avoids it.
    assert draws_capacity([Draw(same, 1), Draw(same, 1, ["e"])], groups={}) == [5, 3]


def test_draws_capacity_is_the_worst_case_of_every_way_the_draws_can_go():
    rng = random.Random(11)
    keys = list("abcdefg")
    for _ in range(300):
        groups = {k: rng.choice(keys[:3]) for k in rng.sample(keys, rng.randint(0, 3))}
        draws = [
            Draw(rng.sample(keys, rng.randint(1, 6)), rng.randint(0, 3), rng.sample(keys, 1))
            for _ in range(rng.randint(1, 3))
        ]
        assert draws_capacity(draws, groups=groups) == _fewest_found(draws, groups), draws
