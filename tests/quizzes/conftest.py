import textwrap
from pathlib import Path

import pytest

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
