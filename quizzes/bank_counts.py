"""Counts of the bank by topic, level and kind (for the loader's note and the admin)."""

from collections import Counter

from .models import Kind, Level, Pool, Question, Topic


def bank_counts() -> Counter:
    rows = (
        Question.objects.filter(is_active=True)
        .exclude(pool=Pool.PRIVATE)
        .values_list("topic__slug", "level", "kind")
    )
    return Counter(rows)


def bank_table() -> str:
    """A plain-text table: one row per topic, a column per level, then totals per kind."""
    counts = bank_counts()
    levels = Level.values
    width = max([len(t.slug) for t in Topic.objects.bank()] + [12])
    lines = [f"{'topic':<{width}}  " + "  ".join(f"{lv:>6}" for lv in levels) + "   total"]
    for topic in Topic.objects.bank():
        per_level = [
            sum(n for (t, lv, _), n in counts.items() if t == topic.slug and lv == level)
            for level in levels
        ]
        lines.append(
            f"{topic.slug:<{width}}  "
            + "  ".join(f"{n:>6}" for n in per_level)
            + f"   {sum(per_level):>5}"
        )
    totals = [sum(n for (_, lv, _), n in counts.items() if lv == level) for level in levels]
    lines.append(
        f"{'all topics':<{width}}  " + "  ".join(f"{n:>6}" for n in totals) + f"   {sum(totals):>5}"
    )
    lines.append("")
    lines.append(f"{'kind':<{width}}  " + "  ".join(f"{lv:>6}" for lv in levels) + "   total")
    for kind in Kind.values:
        per_level = [
            sum(n for (_, lv, k), n in counts.items() if k == kind and lv == level)
            for level in levels
        ]
        lines.append(
            f"{kind:<{width}}  "
            + "  ".join(f"{n:>6}" for n in per_level)
            + f"   {sum(per_level):>5}"
        )
    return "\n".join(lines)
