"""Where bank items overlap, for the linter (`banklint`): near-duplicate stems without an
exclusion, a practice item too like a hiring one (a leak of the private pool), and exclusion
groups chained too large; and what the linter's checks share (`Finding`, content words).
Thresholds: docs/bank.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from .bankvalidate import BankQuestion
from .draws import exclusion_groups
from .models import Kind, Pool

NEAR_DUPLICATE_SIMILARITY = 0.6
# `excludes` closes transitively into groups, and a draw takes one question per group: a
# larger group means a chain of declarations that keeps unrelated questions apart.
MAX_EXCLUSION_GROUP = 5
# A practice item (public, with its key) this close to a hiring item would leak it, so the
# bar across pools is lower, and `excludes` does not excuse it.
CROSS_POOL_SIMILARITY = 0.4
# The same bar on the content words of the stem and the key together: the same question
# reworded (its key's words included) is as much a leak as a copied stem.
CROSS_POOL_QUESTION_SIMILARITY = 0.4
_WORD = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True)
class Finding:
    check: str
    key: str
    detail: str


# Words too common to count as echoing the stem.
_STOPWORDS = frozenset(
    """a an the and or of to in on at by for with from as is are was were be been being it
    its this that these those which what when why how who whom whose than then there their
    they them you your we our one two does do did not no can may might will would should
    could into over under between about above after before during each per only also more most
    less same other such any all both use used using uses""".split()
)


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) >= 4 and w not in _STOPWORDS}


def cross_pool_findings(questions: Sequence[BankQuestion]) -> list[Finding]:
    """A practice item whose stem is CROSS_POOL_SIMILARITY like a hiring item's, or that
    poses the same coding problem: its public key would give the hiring item away."""
    practice = [q for q in questions if q.pool == Pool.PRACTICE]
    hiring = [q for q in questions if q.pool == Pool.HIRING]
    found = []
    for p in practice:
        words = stem_words(p)
        for h in hiring:
            if p.kind == Kind.CODING or h.kind == Kind.CODING:
                if p.kind == h.kind == Kind.CODING and p.content["problem"] == h.content["problem"]:
                    found.append(
                        Finding("across pools", p.key, f"same coding problem as {h.key!r}")
                    )
                continue
            other = stem_words(h)
            if not words or not other:
                continue
            similarity = len(words & other) / len(words | other)
            asked = jaccard(question_words(p), question_words(h))
            if similarity >= CROSS_POOL_SIMILARITY:
                found.append(
                    Finding(
                        "across pools",
                        p.key,
                        f"stem {similarity:.0%} like the hiring item {h.key!r}: rewrite it",
                    )
                )
            elif asked >= CROSS_POOL_QUESTION_SIMILARITY:
                found.append(
                    Finding(
                        "across pools",
                        p.key,
                        f"stem and key {asked:.0%} like the hiring item {h.key!r}: ask "
                        "something else",
                    )
                )
    return found


def question_words(q: BankQuestion) -> set[str]:
    """Content words of the stem and of the keyed options."""
    keyed = " ".join(c["text"] for c in q.content.get("choices", ()) if c["correct"])
    return content_words(f"{q.content['prompt']} {keyed}")


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def stem_words(q: BankQuestion) -> set[tuple[str, str]]:
    words = _WORD.findall(re.sub(r"\{[^}]*\}", " ", q.content["prompt"].lower()))
    return set(zip(words, words[1:], strict=False))


def duplicate_findings(questions: Sequence[BankQuestion]) -> list[Finding]:
    """Stem pairs whose word-pair (bigram) Jaccard similarity reaches
    NEAR_DUPLICATE_SIMILARITY, unless `excludes` already keeps them apart."""
    groups = exclusion_groups({q.key: q.excludes for q in questions})
    stems = [(q, stem_words(q)) for q in questions]
    found = []
    for (a, wa), (b, wb) in combinations(stems, 2):
        if not wa or not wb or a.kind == Kind.CODING or b.kind == Kind.CODING:
            continue
        similarity = len(wa & wb) / len(wa | wb)
        if similarity < NEAR_DUPLICATE_SIMILARITY:
            continue
        if groups.get(a.key, a.key) == groups.get(b.key, b.key):
            continue
        found.append(
            Finding(
                "duplicate",
                a.key,
                f"stem {similarity:.0%} like {b.key!r} (declare 'excludes' or rewrite one)",
            )
        )
    return found


def group_findings(questions: Sequence[BankQuestion]) -> list[Finding]:
    """Exclusion groups larger than MAX_EXCLUSION_GROUP, named by their smallest id."""
    members: dict[str, list[str]] = {}
    for key, root in exclusion_groups({q.key: q.excludes for q in questions}).items():
        members.setdefault(root, []).append(key)
    return [
        Finding(
            "exclusion group",
            root,
            f"{len(keys)} questions chained by 'excludes' (at most {MAX_EXCLUSION_GROUP}): "
            f"{', '.join(sorted(keys))}",
        )
        for root, keys in sorted(members.items())
        if len(keys) > MAX_EXCLUSION_GROUP
    ]
