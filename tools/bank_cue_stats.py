"""Length-cue statistics for the choice questions of the bank.

Single choice: how often the key is the longest option, against 1/k; and, so that a fix does
not create the opposite cue, how often it is the shortest.
Multiple choice: how often the longest option is keyed, against the share of keyed options.
Usage: python tools/bank_cue_stats.py [BANK_DIR]
"""

import sys
from collections import defaultdict
from pathlib import Path

import yaml


def choice_questions(bank: Path):
    for path in sorted(bank.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text()) or {}
        for question in data.get("questions", []) or []:
            if question.get("kind") in ("single_choice", "multiple_choice"):
                yield question


def _lengths(choices) -> list[int]:
    return [len(str(choice["text"])) for choice in choices]


def longest_index(choices) -> int:
    lengths = _lengths(choices)
    return max(range(len(lengths)), key=lengths.__getitem__)


def shortest_index(choices) -> int:
    lengths = _lengths(choices)
    return min(range(len(lengths)), key=lengths.__getitem__)


def stats(questions):
    rows = defaultdict(lambda: {"n": 0, "hit": 0, "shortest": 0, "expected": 0.0})
    for question in questions:
        choices = question["choices"]
        longest = longest_index(choices)
        keyed = [bool(choice["correct"]) for choice in choices]
        for group in ("all", question["level"]):
            row = rows[(question["kind"], group)]
            row["n"] += 1
            row["hit"] += keyed[longest]
            row["shortest"] += keyed[shortest_index(choices)]
            if question["kind"] == "single_choice":
                row["expected"] += 1 / len(choices)
            else:
                row["expected"] += sum(keyed) / len(choices)
    return rows


def main() -> None:
    bank = Path(sys.argv[1] if len(sys.argv) > 1 else "quizzes/bank")
    rows = stats(choice_questions(bank))
    print(
        f"{'kind':16} {'level':7} {'n':>4} {'longest keyed':>14} {'shortest keyed':>15} "
        f"{'chance':>7}"
    )
    for (kind, group), row in sorted(rows.items()):
        print(
            f"{kind:16} {group:7} {row['n']:4d} {row['hit'] / row['n']:14.2f} "
            f"{row['shortest'] / row['n']:15.2f} {row['expected'] / row['n']:7.2f}"
        )


if __name__ == "__main__":
    main()
