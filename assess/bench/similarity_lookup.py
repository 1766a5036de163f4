"""The similarity lookup across an organization's history, timed at a size: `answers`
stored answers to one problem (random programs built from the problem's idioms and lines
of their own, ten of them renamed copies of one answer), indexed through the same
`answer_fingerprint` as a submission, then `similar_answers` timed on some of them."""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass

from assess.attempts.models import Answer
from assess.attempts.services import attempt_start
from assess.bench.integrity_sessions import ANSWER
from assess.evidence.similarity import answer_fingerprint, similar_answers

NAMES = ["x", "y", "z", "mu", "var", "std", "axes", "dims", "w", "b", "acc", "tmp", "out", "res"]
TEMPLATES = [
    "{a} = {b}.mean(axis={c}, keepdims=True)",
    "{a} = ({b} - {c}) / np.sqrt({d} + eps)",
    "{a} = np.asarray({b}, dtype=np.float64)",
    "for {a} in range({b}.ndim - {n}, {b}.ndim):",
    "    {a} = {a} + {b}[{n}] * {c}",
    "if {a} is not None:",
    "    {a} = {a} * {b}",
    "{a} = tuple(range({b}.ndim - len({c}), {b}.ndim))",
    "{a} = {b}.reshape(-1, {n})",
    "{a} = (({b} - {c}) ** 2).sum(axis={n}) / {d}.shape[{n}]",
    "assert {a}.shape == {b}.shape, ({a}.shape, {b}.shape)",
    "{a} = np.where({b} > {n}, {c}, {d})",
    "return {a}.astype({b}.dtype)",
]
CORE = [line for line in ANSWER.splitlines() if line.strip()]


def random_answer(rng: random.Random) -> str:
    lines = [
        "import numpy as np",
        "",
        "",
        "def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):",
    ]
    for _ in range(rng.randint(8, 24)):
        if rng.random() < 0.25:
            lines.append(rng.choice(CORE[4:]))
        else:
            names = rng.sample(NAMES, 4)
            line = rng.choice(TEMPLATES).format(
                a=names[0], b=names[1], c=names[2], d=names[3], n=rng.randint(0, 3)
            )
            lines.append("    " + line)
    return "\n".join(lines) + "\n"


def renamed(code: str, rng: random.Random) -> str:
    for old in ("x64", "axes", "out"):
        code = code.replace(old, rng.choice(["q", "tmp2", "dims2", "res2"]))
    return code


@dataclass
class Figures:
    answers: int
    index_s: float
    fingerprints: int
    lookup_ms: list[float]
    copies_found: int


def history_build(attempt, answers: int, rng: random.Random) -> tuple[list[Answer], list[int]]:
    """`answers` answers to the attempt's coding question, indexed; returns them and the ids
    of the planted copies (the first one is the original)."""
    template = attempt.answers.get(position=0)
    copies = set(rng.sample(range(answers), 10))
    rows = [
        Answer(
            attempt=attempt,
            position=i + 1,
            section_position=0,
            section_title=template.section_title,
            question_version=template.question_version,
            seed=0,
            response=renamed(ANSWER, rng) if i in copies else random_answer(rng),
        )
        for i in range(answers)
    ]
    created = Answer.objects.bulk_create(rows, batch_size=2000)
    return created, [created[i].pk for i in sorted(copies)]


def measure(invitation, answers: int, lookups: int, seed: int = 0) -> Figures:
    rng = random.Random(seed)
    attempt = attempt_start(invitation)
    created, copies = history_build(attempt, answers, rng)
    started = time.perf_counter()
    for answer in created:
        answer.attempt = attempt
        answer_fingerprint(answer)
    index_s = time.perf_counter() - started
    from django.db import connection

    from assess.evidence.models import CodeFingerprint

    if connection.vendor == "postgresql":
        # What autovacuum does to a table that has settled: statistics for the planner and
        # the visibility map that lets a lookup read the index alone.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {CodeFingerprint._meta.db_table}")

    probes = [*rng.sample(created, min(lookups, len(created)))]
    times = []
    for answer in probes:
        t0 = time.perf_counter()
        similar_answers(answer)
        times.append((time.perf_counter() - t0) * 1000)
    original = next(a for a in created if a.pk == copies[0])
    found = {m.answer_id for m in similar_answers(original, limit=20)}
    return Figures(
        answers, index_s, CodeFingerprint.objects.count(), times, len(found & set(copies[1:]))
    )


def report(f: Figures) -> list[str]:
    ms = sorted(f.lookup_ms)
    return [
        f"answers to one problem: {f.answers}, fingerprints stored: {f.fingerprints} "
        f"(indexed in {f.index_s:.1f} s)",
        f"lookup over {f.answers} answers: median {statistics.median(ms):.1f} ms, "
        f"p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms, max {ms[-1]:.1f} ms ({len(ms)} lookups)",
        f"planted renamed copies found: {f.copies_found} of 9",
    ]
