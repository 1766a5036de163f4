"""The shipped bank: it loads, meets the content bar, and every numeric template works."""

from collections import Counter

import pytest

from quizzes import numeric
from quizzes.bankfiles import BANK_DIR, read_bank
from quizzes.models import Kind, Level


@pytest.fixture(scope="module")
def bank():
    return read_bank(BANK_DIR)


def test_the_shipped_bank_is_valid(bank):
    assert len(bank.topics) == 13
    assert len(bank.questions) >= 140


def test_there_are_at_least_90_mcqs_and_25_per_level(bank):
    mcqs = [q for q in bank.questions if q.kind in (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE)]
    assert len(mcqs) >= 90
    per_level = Counter(q.level for q in mcqs)
    assert all(per_level[level] >= 25 for level in Level.values), per_level
    assert any(q.kind == Kind.MULTIPLE_CHOICE for q in mcqs)


def test_every_topic_has_mcqs_at_two_levels_or_more(bank):
    levels_by_topic: dict[str, set] = {t["slug"]: set() for t in bank.topics}
    for q in bank.questions:
        if q.kind in (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE):
            levels_by_topic[q.topic].add(q.level)
    thin = {topic: levels for topic, levels in levels_by_topic.items() if len(levels) < 2}
    assert not thin


def test_numeric_written_and_coding_counts(bank):
    kinds = Counter(q.kind for q in bank.questions)
    assert kinds[Kind.NUMERIC] >= 15
    assert kinds[Kind.WRITTEN] >= 20
    coding = {q.content["problem"] for q in bank.questions if q.kind == Kind.CODING}
    assert coding == {
        "bn-forward",
        "bn-backward",
        "layernorm-forward",
        "layernorm-backward",
        "groupnorm-forward",
        "rmsnorm-forward",
        "bn-fold",
        "bn-sync-stats",
        "cs231n-batchnorm",
        "bn-forward-cuda",
        "bn-relu-triton",  # the GPU problems
    }


def test_every_written_question_has_a_rubric_worth_points(bank):
    for q in bank.questions:
        if q.kind == Kind.WRITTEN:
            assert sum(item["points"] for item in q.content["rubric"]) >= 3, q.key


def test_every_numeric_template_draws_renders_and_answers_for_many_candidates(bank):
    for q in bank.questions:
        if q.kind != Kind.NUMERIC:
            continue
        answers = set()
        for seed in range(200):
            values = numeric.draw_values(q.content["params"], seed)
            prompt = numeric.render_prompt(q.content["prompt"], values)
            assert "{" not in prompt.replace("{{", "").replace("}}", ""), q.key
            answer = numeric.compute_answer(q.content["answer"]["quantity"], values)
            assert numeric.within_tolerance(answer, answer, q.content["tolerance"])
            answers.add(round(answer, 9))
        # Values are drawn per candidate: neighbours must not share one answer.
        assert len(answers) >= 3, f"{q.key} gives only {len(answers)} distinct answers"


def test_the_same_seed_draws_the_same_values_and_different_seeds_differ(bank):
    template = next(q for q in bank.questions if q.kind == Kind.NUMERIC)
    params = template.content["params"]
    assert numeric.draw_values(params, 42) == numeric.draw_values(params, 42)
    assert len({str(numeric.draw_values(params, seed)) for seed in range(20)}) > 15
