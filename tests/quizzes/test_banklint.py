"""The bank linter: it passes a cue-free fixture bank and fails one with each cue."""

import pytest
from django.core.management import CommandError, call_command

from quizzes.bankfiles import read_bank
from quizzes.banklint import length_statistics

WORDS = [
    "epsilon", "momentum", "channels", "running", "affine", "gamma", "beta", "folding",
    "eval", "dropout", "groups", "spatial", "tokens", "warmup",
]  # fmt: skip
SETTINGS = ["scale", "shift", "stride", "kernel"]


def _choice_item(i: int, *, key: int = 0, texts: list[str] | None = None, explanation=None) -> str:
    # The options' words never appear in the stem (which would be an echo cue).
    texts = texts or [f"Statement {i:02d}-{n} about the {SETTINGS[n]} setting" for n in range(4)]
    choices = "".join(
        f"      - text: {text!r}\n        correct: {'true' if n == key else 'false'}\n"
        for n, text in enumerate(texts)
    )
    explanation = explanation or (
        f"The {WORDS[i]} misconception: people confuse it with the {WORDS[i + 1]} effect."
    )
    return (
        f"  - id: item-{i:02d}\n    kind: single_choice\n    topic: normalization-operation\n"
        f"    level: junior\n    prompt: |\n      How does {WORDS[i]} interact with "
        f"{WORDS[i + 1]} when case {i} applies?\n    choices:\n{choices}"
        f"    explanation: |\n      {explanation}\n"
    )


def _write_bank(bank_dir, items: list[str]) -> None:
    bank_dir("mcq/items.yaml", "questions:\n" + "".join(items))


def _clean_items() -> list[str]:
    # Equal-length options: the key is "longest" a quarter of the time, the chance rate.
    return [_choice_item(i, key=i % 4) for i in range(12)]


def _lint(bank_dir, capsys) -> tuple[bool, str]:
    try:
        call_command("banklint", "--dir", str(bank_dir.root))
    except CommandError as exc:
        return False, capsys.readouterr().out + str(exc)
    return True, capsys.readouterr().out


def test_a_cue_free_bank_passes(bank_dir, capsys):
    _write_bank(bank_dir, _clean_items())
    ok, out = _lint(bank_dir, capsys)
    assert ok, out
    assert "single_choice    all        12          0.25           0.25      0.25   +0.00" in out
    assert out.rstrip().endswith("OK")


def _shortest_key(items: list[str]) -> list[str]:
    # The over-correction of a long key: the key is now the one short option.
    short_key = [
        "Keyed",
        "A longer wrong statement about the running statistics",
        "Another longer wrong statement about the batch sizes",
        "A third longer wrong statement about the affine terms",
    ]
    return [_choice_item(i, key=0, texts=[f"{t} {i}" for t in short_key]) for i in range(12)]


def _longest_key(items: list[str]) -> list[str]:
    long_key = [
        "A much longer and carefully qualified statement that happens to be the key",
        "Short wrong one",
        "Another short one",
        "Third short one",
    ]
    return [_choice_item(i, key=0, texts=[f"{t} {i}" for t in long_key]) for i in range(12)]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            _longest_key,
            "single_choice    all        12          1.00           0.00      0.25   +0.75   +0.10  FAIL",
        ),
        (
            _shortest_key,
            "single_choice    all        12          0.00           1.00      0.25   +0.75   +0.10  FAIL",
        ),
        (
            lambda items: [
                *items[:-1],
                _choice_item(11, explanation="The first option is right because batches vary."),
            ],
            "position: 1 item(s) (allowed 0)\n  item-11: explanation says 'first option'",
        ),
        (
            lambda items: [
                *items[:-1],
                _choice_item(11, explanation="Option B mixes up the two conventions of momentum."),
            ],
            "  item-11: explanation says 'Option B'",
        ),
        (
            lambda items: [
                *items[:-1],
                _choice_item(
                    11, explanation="The last one ignores how eps enters under the square root."
                ),
            ],
            "  item-11: explanation says 'last one'",
        ),
        (
            lambda items: [
                *items[:-1],
                _choice_item(
                    11,
                    key=2,
                    texts=[
                        "It always removes the need for a learning rate schedule",
                        "It never changes which functions the network represents",
                        "It can make training tolerate a larger learning rate",
                        "It can't work unless the batch holds images of one class",
                    ],
                ),
            ],
            "hedge: 1 item(s) (allowed 0)\n  item-11: only the keyed option(s) hedge, 3 distractors",
        ),
        (
            lambda items: [*items[:-1], items[0].replace("item-00", "item-11")],
            "  item-00: stem 100% like 'item-11'",
        ),
        (
            lambda items: [
                *items[:-1],
                _choice_item(
                    11,
                    key=0,
                    texts=[
                        "It scales each channel by a learned factor",
                        "It always removes the need for a schedule",
                        "It never changes which functions are represented",
                        "It divides by the number of samples seen",
                    ],
                ),
            ],
            "absolute: 1 item(s) (allowed 0)\n  item-11: 2 distractors use absolute words",
        ),
        (
            lambda items: [
                *items[:-1],
                _choice_item(
                    11,
                    key=1,
                    texts=[
                        "Statement about the scale setting",
                        "Statement about the tokens setting",
                        "Statement about the shift setting",
                        "Statement about the stride setting",
                    ],
                ),
            ],
            "  item-11: only the key repeats the stem's words",
        ),
        (
            lambda items: [
                *items[:-1],
                _choice_item(
                    11,
                    key=0,
                    texts=[
                        "A long, carefully qualified statement that is plainly the key one here",
                        "Short wrong one",
                        "Another short",
                        "Third short",
                    ],
                ),
            ],
            "  item-11: the key has 70 characters, the longest distractor 15",
        ),
        (
            lambda items: [
                _choice_item(
                    i,
                    key=1,
                    texts=[
                        f"Short {i}",
                        f"A medium statement {i}",
                        f"A longer wrong statement {i}!",
                    ],
                )
                for i in range(12)
            ],
            "long keys were over-corrected",
        ),
        (
            lambda items: [
                _choice_item(
                    i,
                    key=0,
                    texts=[
                        f"It can help the {WORDS[i]} setting",
                        f"It fixes item {i}",
                        f"It fixes case {i}",
                        f"It fixes step {i}",
                    ],
                )
                for i in range(12)
            ],
            "pattern guess, hiring junior single choice: answers 12 of 12 (1.00; blind guess 0.25, "
            "allowed +0.10)  FAIL",
        ),
        (
            lambda items: [
                *items[:-1],
                items[0]
                .replace("item-00", "item-11")
                .replace("    level: junior\n", "    level: junior\n    pool: practice\n", 1),
            ],
            "  item-11: stem 100% like the hiring item 'item-00'",
        ),
        (
            # The same question in other words: the stem's word pairs differ, its words do not.
            lambda items: [
                *items[:-1],
                items[0]
                .replace("item-00", "item-11")
                .replace("    level: junior\n", "    level: junior\n    pool: practice\n", 1)
                .replace(
                    "How does epsilon interact with momentum when case 0 applies?",
                    "When case 0 applies, momentum interacts with epsilon how?",
                ),
            ],
            "  item-11: stem and key 78% like the hiring item 'item-00': ask something else",
        ),
        (
            lambda items: [
                *items[:6],
                *(
                    item.replace(
                        "    level: junior\n",
                        f"    level: junior\n    excludes: [item-{n - 1:02d}]\n",
                        1,
                    )
                    for n, item in enumerate(items[6:], start=6)
                ),
            ],
            "exclusion group: 1 item(s) (allowed 0)\n  item-05: 7 questions chained",
        ),
        (
            lambda items: [*items[:-1], _choice_item(11, explanation="See the docs.")],
            "  item-11: explanation has 13 characters",
        ),
    ],
    ids=[
        "longest-key",
        "shortest-key",
        "first-option",
        "option-letter",
        "last-one",
        "hedge",
        "dup",
        "absolute",
        "echo",
        "long-key",
        "short-key-avoided",
        "pattern",
        "across-pools",
        "across-pools-reworded",
        "chained-group",
        "thin",
    ],
)
def test_the_linter_fails_a_bank_with_a_cue(bank_dir, capsys, make, expected):
    _write_bank(bank_dir, make(_clean_items()))
    ok, out = _lint(bank_dir, capsys)
    assert not ok
    assert expected in out, out
    assert "the bank linter found" in out


def test_a_duplicate_declared_as_an_exclusion_is_accepted(bank_dir, capsys):
    items = _clean_items()
    twin = (
        items[0]
        .replace("item-00", "item-11")
        .replace("    level: junior\n", "    level: junior\n    excludes: [item-00]\n", 1)
    )
    _write_bank(bank_dir, [*items[:-1], twin])
    ok, out = _lint(bank_dir, capsys)
    assert ok, out


def test_an_item_missing_its_explanation_fails_the_linter(bank_dir, capsys):
    items = _clean_items()
    items[3] = items[3].split("    explanation:")[0]
    _write_bank(bank_dir, items)
    with pytest.raises(CommandError, match="problem"):
        call_command("banklint", "--dir", str(bank_dir.root))
    assert "question 'item-03': missing 'explanation'" in capsys.readouterr().err


def test_ties_for_the_longest_share_the_credit_and_multiple_choice_uses_its_base_rate(bank_dir):
    text = _choice_item(0, key=0, texts=["same len A", "same len B", "shorter", "tiny"])
    multi = (
        _choice_item(1, key=0, texts=["the longest keyed text", "keyed too", "wrong", "no"])
        .replace("single_choice", "multiple_choice")
        .replace("'keyed too'\n        correct: false", "'keyed too'\n        correct: true")
    )
    _write_bank(bank_dir, [text, multi])
    rows = {(r.kind, r.level): r for r in length_statistics(read_bank(bank_dir.root).questions)}
    single = rows[("single_choice", "all")]
    assert (single.key_longest, single.key_shortest, single.base_rate) == (0.5, 0.0, 0.25)
    multiple = rows[("multiple_choice", "all")]
    assert (multiple.key_longest, multiple.key_shortest, multiple.base_rate) == (1.0, 0.0, 0.5)
    assert multiple.limit is None  # one item: shown, not judged


def test_the_shipped_bank_passes_the_linter():
    call_command("banklint")  # raises CommandError above the thresholds
