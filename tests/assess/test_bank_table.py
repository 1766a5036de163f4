"""The builder's bank table: numeric prompts with example values (never raw placeholders),
a filter by GPU needs, and a query count that does not grow with the bank."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assess.bench.bank_table import bank_grow, recruiter_client
from assess.hiring.selectors import PREVIEW_SEED
from quizzes.numeric import render_prompt
from quizzes.questions import numeric_values
from tests.assess import factories


def rows(page: str) -> list[str]:
    return [chunk.split('"')[0] for chunk in page.split('<tr data-key="')[1:]]


def test_numeric_prompts_show_example_values_not_placeholders(client, recruiter, org, bank):
    assessment = factories.make_assessment(org, [], minutes=60)
    page = client.get(
        reverse("org:builder", args=["acme", assessment.pk]), {"kind": "numeric"}
    ).content.decode()
    assert rows(page) == ["t-numeric"]
    assert "{x1}" not in page and "{gamma}" not in page
    version = bank["numeric"].latest_version
    values = numeric_values(version, PREVIEW_SEED)
    expected = render_prompt(version.content["prompt"], values)
    assert expected.split(":")[0] in page  # "Batch x = [-2.4, 1.3, ...], gamma = ..."
    assert "example values; each candidate gets their own" in page
    # The question's preview shows the same values.
    preview = client.get(
        reverse("org:question_preview", args=["acme", bank["numeric"].pk])
    ).content.decode()
    assert expected.split(":")[0] in preview


def test_the_bank_table_filters_by_gpu_needs(client, recruiter, org, bank):
    bank_grow(0)  # adds the GPU-only coding problem beside the bank
    assessment = factories.make_assessment(org, [], minutes=60)
    builder = reverse("org:builder", args=["acme", assessment.pk])
    gpu = rows(client.get(builder, {"gpu": "gpu"}).content.decode())
    cpu = rows(client.get(builder, {"gpu": "cpu"}).content.decode())
    assert gpu == ["bench-gpu-triton"]
    assert "bench-gpu-triton" not in cpu and {"t-coding", "t-single", "t-numeric"} <= set(cpu)
    page = client.get(builder, {"gpu": "<script>"})  # not a choice: ignored, not a 500
    assert page.status_code == 200 and "bench-gpu-triton" in rows(page.content.decode())


@pytest.mark.parametrize("query", [{}, {"level": "mid", "gpu": "cpu"}, {"q": "variance"}])
def test_the_bank_tables_queries_do_not_grow_with_the_bank(
    db, query, django_assert_max_num_queries
):
    client, url = recruiter_client()
    bank_grow(60)
    client.get(url, query)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, query).status_code == 200
    bank_grow(600)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url, query)
    assert response.context["bank_total"] > 60
