import textwrap
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse

from quizzes.bankfiles import load_bank, read_bank

TOPICS = """\
topics:
  - slug: normalization-operation
    title: The normalization operation
  - slug: batch-running-statistics
    title: Batch and running statistics
"""


@pytest.fixture
def bank_dir(tmp_path: Path):
    """A bank folder with topics; `write(name, yaml_text)` adds a question file."""
    root = tmp_path / "bank"
    root.mkdir()
    (root / "topics.yaml").write_text(TOPICS)

    def write(name: str, text: str) -> Path:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    write.root = root
    return write


SINGLE = """\
questions:
  - id: op-eps
    kind: single_choice
    topic: normalization-operation
    level: junior
    pool: practice
    prompt: |
      Why is epsilon added to the variance?
    choices:
      - text: To avoid dividing by zero when a channel is constant
        correct: true
      - text: To make training converge faster
        correct: false
      - text: To make the variance unbiased
        correct: false
    explanation: |
      A constant channel has zero variance.
"""


CODING = """\
questions:
  - id: c-layernorm
    kind: coding
    pool: practice
    topic: normalization-operation
    level: junior
    problem: layernorm-forward
    prompt: Implement layer normalization over the trailing dimensions.
    explanation: Statistics per sample over the normalized dimensions.
"""


@pytest.fixture
def coding_bank(bank_dir):
    bank_dir("coding/ln.yaml", CODING)
    load_bank(read_bank(bank_dir.root))
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def queued(django_capture_on_commit_callbacks):
    """Run code through the page; returns the grading jobs it queued (grade them by hand)."""
    jobs = []

    def post(client, token, source):
        url = reverse("quizzes:practice_question", args=[token, 1])
        with (
            mock.patch(
                "quizzes.practice_code.practice_grade_task.apply_async",
                side_effect=lambda args, queue: jobs.append(args),
            ),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return client.post(url, {"source": source})

    post.jobs = jobs
    return post
