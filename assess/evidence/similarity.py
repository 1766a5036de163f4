"""Similarity across the organization's history: every final coding answer is indexed by
its winnowed fingerprints (evidence.fingerprints) as it is submitted, and an answer is
compared with every other answer to the same problem in the organization, not only those
of one assessment (assess.review.similarity does that one, on the whole text).

A lookup reads only the index rows of the answer's own hashes, and leaves out the hashes
that more than COMMON_SHARE of the problem's answers share (the idioms every solution has:
they say nothing about copying); `make bench-similarity` times it at 10,000 answers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from assess.attempts.models import Answer
from quizzes.models import Kind

from .fingerprints import Fingerprint, boilerplate_hashes, fingerprints
from .models import CodeFingerprint, FingerprintedAnswer

COMMON_SHARE = 0.2
MIN_COMMON = 10  # a hash shared by fewer answers than this is never "common"
MIN_FINGERPRINTS = 5  # fewer and a share means little


@dataclass(frozen=True)
class Match:
    answer_id: int
    attempt_id: int
    shared: int
    share: float  # of this answer's (non-common) fingerprints found in the other


def _answer_fingerprints(answer: Answer) -> list[Fingerprint]:
    content = answer.question_version.content
    code = answer.response if isinstance(answer.response, str) else ""
    boiler = boilerplate_hashes(content.get("starter_code", ""), content.get("statement", ""))
    return [f for f in fingerprints(code) if f.hash not in boiler]


def answer_fingerprint(answer: Answer) -> FingerprintedAnswer | None:
    """Index a final coding answer (again: an older index of it is replaced)."""
    content = answer.question_version.content
    if content["kind"] != Kind.CODING:
        return None
    # Each hash once per answer: the lookup then counts rows, with no DISTINCT to sort.
    prints = list({f.hash: f for f in reversed(_answer_fingerprints(answer))}.values())
    org_id = answer.attempt.organization_id
    with transaction.atomic():
        FingerprintedAnswer.objects.filter(answer=answer).delete()
        owner = FingerprintedAnswer.objects.create(
            answer=answer, organization_id=org_id, problem=content["problem"], count=len(prints)
        )
        CodeFingerprint.objects.bulk_create(
            CodeFingerprint(
                owner=owner,
                organization_id=org_id,
                problem=owner.problem,
                hash=f.hash,
                start=f.start,
                end=f.end,
            )
            for f in prints
        )
    return owner


def similar_answers(answer: Answer, *, limit: int = 5) -> list[Match]:
    """The organization's answers to the same problem that share the most of this one's
    fingerprints, best first."""
    owner = FingerprintedAnswer.objects.filter(answer=answer).first()
    if owner is None or owner.count < MIN_FINGERPRINTS:
        return []
    rows = CodeFingerprint.objects.filter(
        organization_id=owner.organization_id, problem=owner.problem
    )
    own = set(owner.fingerprints.values_list("hash", flat=True))
    total = FingerprintedAnswer.objects.filter(
        organization_id=owner.organization_id, problem=owner.problem
    ).count()
    common_at = max(MIN_COMMON, int(COMMON_SHARE * total))
    spread = (
        rows.filter(hash__in=own)
        .values("hash")
        .annotate(answers=Count("owner"))
        .filter(answers__gt=common_at)
        .values_list("hash", flat=True)
    )
    telling = own - set(spread)
    if len(telling) < MIN_FINGERPRINTS:
        return []
    best = (
        rows.filter(hash__in=telling)
        .exclude(owner=owner)
        .values("owner__answer_id", "owner__answer__attempt_id")
        .annotate(shared=Count("hash"))
        .order_by("-shared", "owner__answer_id")[:limit]
    )
    return [
        Match(
            r["owner__answer_id"],
            r["owner__answer__attempt_id"],
            r["shared"],
            r["shared"] / len(telling),
        )
        for r in best
    ]


def matching_fragments(
    answer: Answer, other: Answer
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The character ranges of each answer's code that the two share, merged, for the pair
    view's highlights."""
    mine = {f.hash: (f.start, f.end) for f in _answer_fingerprints(answer)}
    theirs = {f.hash: (f.start, f.end) for f in _answer_fingerprints(other)}
    shared = mine.keys() & theirs.keys()
    return _merged([mine[h] for h in shared]), _merged([theirs[h] for h in shared])


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
