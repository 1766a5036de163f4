"""The builder's bank table with a large bank: a scratch bank of N questions (clones of
valid questions of every kind, a GPU-only coding problem among them) and timings of the
builder page as a recruiter requests it (`manage.py bench_bank_table`, docs/benchmarks.md).
"""

from __future__ import annotations

import statistics
import textwrap
import time
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.urls import reverse

# A coding problem only a GPU worker grades, so the table's GPU filter has rows to find.
GPU_ONLY = """
    id: bench-gpu-triton
    kind: coding
    topic: alternatives
    level: senior
    problem: bn-relu-triton
    prompt: Write a fused batch norm + ReLU inference kernel in Triton.
    explanation: One read, one write.
"""

# What the recruiter asks the table for: (name, query string).
REQUESTS = (
    ("first page", {}),
    ("filtered: mid, CPU only", {"level": "mid", "gpu": "cpu"}),
    ("search", {"q": "variance"}),
)


def _templates():
    """One stored question of each kind (through the bank's validation) to clone."""
    from quizzes.bankfiles import question_from_yaml, save_question
    from quizzes.models import Question, Topic
    from tests.assess.factories import QUESTIONS, make_topics

    make_topics()
    topics = {t.slug: t for t in Topic.objects.all()}
    for text in (*QUESTIONS.values(), GPU_ONLY):
        item = question_from_yaml(textwrap.dedent(text))
        if not Question.objects.filter(key=item.key).exists():
            save_question(item, topics[item.topic])
    return list(
        Question.objects.filter(latest_version__isnull=False).select_related("latest_version")
    )


def bank_grow(total: int) -> int:
    """Add clones until the bank holds `total` active questions; returns the count."""
    from quizzes.models import Question, QuestionVersion

    templates = _templates()
    have = Question.objects.filter(is_active=True).count()
    start = Question.objects.count()
    new = [
        Question(
            key=f"bench-{start + n:05d}",
            kind=(t := templates[n % len(templates)]).kind,
            topic_id=t.topic_id,
            level=t.level,
        )
        for n in range(max(0, total - have))
    ]
    Question.objects.bulk_create(new, batch_size=1000)
    new = list(Question.objects.filter(key__in=[q.key for q in new]).order_by("key"))
    versions = []
    for n, question in enumerate(new):
        template = templates[n % len(templates)]
        content = dict(template.latest_version.content)
        if "id" in content:
            content["id"] = question.key
        if content["kind"] != "numeric":  # a numeric prompt keeps its placeholders only
            content["prompt"] = f"{content['prompt']} (variant {n})"
        versions.append(
            QuestionVersion(question=question, number=1, content=content, content_hash=str(n))
        )
    QuestionVersion.objects.bulk_create(versions, batch_size=1000)
    for question, version in zip(new, versions, strict=True):
        question.latest_version = version
    Question.objects.bulk_update(new, ["latest_version"], batch_size=1000)
    return Question.objects.filter(is_active=True).count()


def recruiter_client(slug: str = "bench") -> tuple[Client, str]:
    """A signed-in recruiter of a scratch organization, and its assessment's builder URL."""
    from django.contrib.auth import get_user_model

    from assess.models import Assessment, Membership, Organization, Role, Section

    org, _ = Organization.objects.get_or_create(slug=slug, defaults={"name": "Bench"})
    user, _ = get_user_model().objects.get_or_create(username=f"{slug}-recruiter")
    Membership.objects.get_or_create(user=user, organization=org, defaults={"role": Role.RECRUITER})
    assessment, _ = Assessment.objects.get_or_create(
        organization=org, title="Bank table benchmark", defaults={"time_limit_minutes": 600}
    )
    Section.objects.get_or_create(assessment=assessment, title="Core", position=0)
    client = Client()
    client.force_login(user)
    return client, reverse("org:builder", args=[slug, assessment.pk])


@dataclass
class Timing:
    request: str
    rows: int  # questions matching the request (the table pages through them)
    queries: int
    median_ms: float
    p95_ms: float


def time_requests(client: Client, url: str, repeat: int) -> list[Timing]:
    """Each request of REQUESTS `repeat` times (after one warm-up): its SQL query count and
    its wall time, median and 95th percentile."""
    timings = []
    for name, query in REQUESTS:
        client.get(url, query)
        queries: list[str] = []

        def count(run, sql, *args, queries=queries):
            queries.append(sql)
            return run(sql, *args)

        # A wrapper, not the debug query log: each request starts by clearing that log.
        with connection.execute_wrapper(count):
            response = client.get(url, query)
        if response.status_code != 200:
            raise RuntimeError(f"{name}: HTTP {response.status_code}")
        rows = response.context["bank_total"]
        samples = []
        for _ in range(repeat):
            began = time.perf_counter()
            client.get(url, query)
            samples.append(1000 * (time.perf_counter() - began))
        samples.sort()
        timings.append(
            Timing(
                request=name,
                rows=rows,
                queries=len(queries),
                median_ms=statistics.median(samples),
                p95_ms=samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))],
            )
        )
    return timings
