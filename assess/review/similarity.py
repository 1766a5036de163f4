"""Code similarity between candidates of the same assessment.

Each file becomes a stream of normalized Python tokens (identifiers -> `V`, strings ->
`S`, comments and blank lines dropped; keywords, operators, numbers and attribute names
such as `mean` in `np.mean` kept), cut into overlapping k-token shingles. Two files'
similarity is the Jaccard index of their shingle sets, after removing the shingles of the
starter code every candidate was given. Renaming variables or reformatting does not
change the score; an independent solution shares few shingles.

A high score is a reason to look at the two files side by side, never a verdict.
"""

from __future__ import annotations

import difflib
import io
import itertools
import keyword
import tokenize
from dataclasses import dataclass

from django.conf import settings

SHINGLE = 5
# Beyond this many files per question, comparisons are capped (n^2 pairs).
MAX_FILES = 400


def normalized_tokens(source: str) -> list[str]:
    """Python tokens with names abstracted; falls back to whitespace words when the file
    does not tokenize (a syntax error must not hide a copy)."""
    out: list[str] = []
    previous = ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER):
                continue
            if tok.type == tokenize.NAME:
                # Attribute names (np.mean) and keywords carry meaning; local names do not.
                value = tok.string if keyword.iskeyword(tok.string) or previous == "." else "V"
            elif tok.type == tokenize.STRING:
                value = "S"
            elif tok.type == tokenize.NEWLINE:
                value = ";"
            else:
                value = tok.string
            out.append(value)
            previous = tok.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source.split()
    return out


def shingles(source: str, k: int = SHINGLE) -> set[tuple[str, ...]]:
    tokens = normalized_tokens(source)
    if len(tokens) < k:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + k]) for i in range(len(tokens) - k + 1)}


def similarity(a: str, b: str, *, starter: str = "") -> float:
    """Jaccard index of the two files' shingles, ignoring the starter code's; 0 to 1."""
    common = shingles(starter) if starter else set()
    sa, sb = shingles(a) - common, shingles(b) - common
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


@dataclass(frozen=True)
class SimilarPair:
    question: str
    first_answer: int
    second_answer: int
    first_candidate: str
    second_candidate: str
    score: float


def similar_pairs(assessment, *, threshold: float | None = None) -> list[SimilarPair]:
    """Pairs of coding answers to the same question, in one assessment, at or above the
    threshold (`ASSESS_SIMILARITY_THRESHOLD`), most similar first."""
    from assess.attempts.models import Answer

    threshold = settings.ASSESS_SIMILARITY_THRESHOLD if threshold is None else threshold
    answers = (
        Answer.objects.filter(
            attempt__assessment=assessment,
            attempt__status="submitted",
            question_version__question__kind="coding",
            response__isnull=False,
        )
        .select_related("question_version__question", "attempt__invitation")
        .order_by("question_version__question_id", "pk")
    )
    pairs: list[SimilarPair] = []
    by_question = itertools.groupby(answers, key=lambda a: a.question_version.question)
    for question, group in by_question:
        group = list(group)[:MAX_FILES]
        starter = group[0].question_version.content.get("starter_code", "")
        common = shingles(starter) if starter else set()
        sets = [
            (a, shingles(a.response if isinstance(a.response, str) else "") - common) for a in group
        ]
        for (a, sa), (b, sb) in itertools.combinations(sets, 2):
            if not sa or not sb:
                continue
            score = len(sa & sb) / len(sa | sb)
            if score >= threshold:
                pairs.append(
                    SimilarPair(
                        question.key,
                        a.pk,
                        b.pk,
                        a.attempt.invitation.candidate_name,
                        b.attempt.invitation.candidate_name,
                        round(score, 3),
                    )
                )
    return sorted(pairs, key=lambda p: -p.score)


@dataclass(frozen=True)
class DiffRow:
    """One row of the side-by-side view: a line of each file (None where a file has no
    line there) and how they differ: `same`, `changed`, `left_only` or `right_only`."""

    left_number: int | None
    left: str | None
    right_number: int | None
    right: str | None
    kind: str


def side_by_side(a: str, b: str) -> list[DiffRow]:
    """The two files aligned line by line (difflib), for a reviewer to see what they share
    and where they part."""
    left, right = a.splitlines(), b.splitlines()
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [
                DiffRow(i + 1, left[i], j + 1, right[j], "same")
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        for i, j in itertools.zip_longest(range(i1, i2), range(j1, j2)):
            if i is not None and j is not None:
                rows.append(DiffRow(i + 1, left[i], j + 1, right[j], "changed"))
            elif i is not None:
                rows.append(DiffRow(i + 1, left[i], None, None, "left_only"))
            else:
                rows.append(DiffRow(None, None, j + 1, right[j], "right_only"))
    return rows
