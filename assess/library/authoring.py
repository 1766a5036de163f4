"""Checking an organization's question written in the bank's YAML: the bank's own
validator (`quizzes.bankvalidate`), the cue linter's findings as advice, and the guards a
database needs (no NUL, no NaN, nothing over the limits).

A library question is stored under a namespaced bank key (`stored_key`), so its author's
id never collides with, or reveals, another organization's or the bank's ids; an author
only ever sees their own ids (`author_key`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from quizzes import banklint
from quizzes.bankfiles import question_to_file_entry
from quizzes.bankvalidate import KEY_PATTERN_CHARS, BankQuestion, Reporter, validate_question
from quizzes.models import Kind, Pool, Topic
from quizzes.yamlio import dump_text, load_with_lines

from . import coding
from .models import LibraryItem, LibraryTopic

MAX_SOURCE_CHARS = 50_000
MAX_IMPORT_CHARS = 1_000_000
MAX_IMPORT_QUESTIONS = 200
MAX_SLUG_CHARS = 60
MAX_FLOW_DEPTH = 40
# The bank linter's per-item checks, shown to the author as advice while writing.
ADVICE_CHECKS = (
    banklint.position_findings,
    banklint.hedge_findings,
    banklint.absolute_findings,
    banklint.echo_findings,
    banklint.long_key_findings,
    banklint.explanation_findings,
)


def stored_key(organization_id: int, slug: str) -> str:
    return f"org{organization_id}-{slug}"


def author_key(organization_id: int, key: str) -> str:
    prefix = f"org{organization_id}-"
    return key[len(prefix) :] if key.startswith(prefix) else key


@dataclass
class Checked:
    """One question checked for an organization: `question` is set when it is valid (with
    its stored key and the private pool); `errors` stop it, `advice` does not."""

    slug: str = ""
    kind: str = ""
    question: BankQuestion | None = None
    errors: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.question is not None and not self.errors


def parse_yaml(text: Any, *, limit: int) -> tuple[Any, list[str]]:
    """The parsed YAML, or the errors that say why it cannot be read."""
    if not isinstance(text, str) or not text.strip():
        return None, ["Write the question in YAML: the text is empty."]
    if len(text) > limit:
        return None, [f"The text is {len(text)} characters, over the limit of {limit}."]
    if "\x00" in text:
        return None, ["The text contains a NUL character."]
    if _flow_depth(text) > MAX_FLOW_DEPTH:
        # PyYAML takes seconds on thousands of nested brackets before it gives up.
        return None, [f"The YAML is nested over {MAX_FLOW_DEPTH} levels deep."]
    try:
        return load_with_lines(text), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or "cannot be read"
        where = f"line {mark.line + 1}: " if mark else ""
        return None, [f"{where}invalid YAML: {problem}"]
    except RecursionError:
        return None, ["The YAML is nested too deeply."]


def _flow_depth(text: str) -> int:
    """The deepest nesting of YAML's flow brackets (a bound: brackets in quoted text count
    too, which only an absurd question reaches)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


def check_source(organization_id: int, text: Any, *, slug: str | None = None) -> Checked:
    """Check one question's YAML for an organization; `slug` fixes the id of an item
    that exists (an id cannot change)."""
    raw, errors = parse_yaml(text, limit=MAX_SOURCE_CHARS)
    if errors:
        return Checked(errors=errors)
    return check_mapping(organization_id, raw, slug=slug)


def check_mapping(organization_id: int, raw: Any, *, slug: str | None = None) -> Checked:
    if not isinstance(raw, Mapping):
        return Checked(errors=["A question is a mapping of fields (id, kind, topic, ...)."])
    author_id = raw.get("id")
    checked = Checked(slug=author_id if isinstance(author_id, str) else "")
    checked.kind = raw.get("kind") if isinstance(raw.get("kind"), str) else ""
    if slug is not None and author_id != slug:
        checked.errors.append(f"'id' must stay {slug!r}: write a new question for a new id.")
        return checked
    if (
        not isinstance(author_id, str)
        or not 3 <= len(author_id) <= MAX_SLUG_CHARS
        or set(author_id) - KEY_PATTERN_CHARS
        or author_id.startswith("-")
    ):
        checked.errors.append(
            f"'id' must be 3-{MAX_SLUG_CHARS} characters of a-z, 0-9 and '-', got {author_id!r}"
        )
        return checked
    if raw.get("pool", Pool.HIRING) != Pool.HIRING:
        checked.errors.append(
            "A library question is private to your organization: leave out 'pool'."
        )
        return checked
    entry = {k: v for k, v in raw.items() if k != "pool"}
    own = set()
    if isinstance(author_id, str):
        entry["id"] = stored_key(organization_id, author_id)
        own = set(
            LibraryItem.objects.filter(organization_id=organization_id).values_list(
                "slug", flat=True
            )
        )
    excludes = entry.get("excludes")
    if isinstance(excludes, list):
        entry["excludes"] = [
            stored_key(organization_id, x) if isinstance(x, str) and x in own else x
            for x in excludes
        ]
    own_topics = set(
        LibraryTopic.objects.filter(organization_id=organization_id).values_list("slug", flat=True)
    )
    if isinstance(entry.get("topic"), str) and entry["topic"] in own_topics:
        entry["topic"] = stored_key(organization_id, entry["topic"])
    topics = [
        *Topic.objects.bank().values_list("slug", flat=True),
        *(stored_key(organization_id, slug) for slug in own_topics),
    ]
    reference_advice: list[str] = []
    if coding.is_reference_item(entry):
        key = stored_key(organization_id, author_id)
        entry, problems, reference_advice = coding.reference_entry(key, organization_id, entry)
        checked.errors += problems
    else:
        checked.errors += coding.named_problem_errors(entry)
    if checked.errors:
        return checked
    report = Reporter("")
    question = validate_question(entry, topics, report)
    shown = entry.get("id") if isinstance(author_id, str) else None
    for issue in report.issues:
        message = issue.message.replace(shown, author_id) if shown else issue.message
        message = message.replace("(see topics.yaml)", "(a bank topic or one of your library's)")
        checked.errors.append(f"line {issue.line}: {message}" if issue.line else message)
    if question is None:
        return checked
    question.pool = Pool.PRIVATE
    checked.errors += _unknown_excludes(organization_id, question, author_id)
    checked.errors += _storage_problems(question.content)
    if not checked.errors:
        checked.question = question
        checked.advice = reference_advice + advice_for(organization_id, question)
    return checked


def _unknown_excludes(organization_id: int, question: BankQuestion, author_id: str) -> list[str]:
    """A library question may exclude its own library's questions only: an exclusion of a
    bank question would chain bank questions into one group and change every other
    organization's draws. Any other id reads as unknown, whoever uses it."""
    mine = stored_key(organization_id, "")
    return [
        f"'excludes' names unknown id {author_key(organization_id, key)!r} "
        "(name the ids of your library's questions)"
        for key in question.excludes
        if not key.startswith(mine)
    ]


def _storage_problems(content: Mapping) -> list[str]:
    """What the database would refuse in the validated content: NaN or infinity, NUL, a
    lone surrogate."""
    try:
        text = json.dumps(content, allow_nan=False, ensure_ascii=False)
    except ValueError:
        return ["Every number must be finite (no .nan or .inf)."]
    if any("\x00" in piece for piece in _strings(content)):
        return ["The text contains a NUL character."]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return ["The text contains an invalid character (a lone surrogate)."]
    return []


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def advice_for(organization_id: int, question: BankQuestion) -> list[str]:
    """The cue linter's findings on one question, in the author's words."""
    return [
        f"{finding.check}: {finding.detail}"
        for check in ADVICE_CHECKS
        for finding in check([question])
    ]


def file_entry(organization_id: int, question: BankQuestion) -> dict:
    """The question as the bank's YAML writes it, with the author's ids."""
    excludes = [author_key(organization_id, key) for key in question.excludes]
    entry = question_to_file_entry(question.content, Pool.HIRING, excludes)
    entry["id"] = author_key(organization_id, entry["id"])
    entry["topic"] = author_key(organization_id, entry["topic"])
    reference = coding.reference_of(question.content)
    if reference is not None:  # the author's own problem travels as its spec
        entry.pop("problem", None)
        entry[coding.REFERENCE] = reference
    return entry


def export_text(organization_id: int, questions: Iterable[BankQuestion]) -> str:
    return dump_text({"questions": [file_entry(organization_id, q) for q in questions]})


def split_import(text: Any) -> tuple[list[Any], list[str]]:
    """The question mappings of an uploaded bank file, or the errors that refuse it."""
    data, errors = parse_yaml(text, limit=MAX_IMPORT_CHARS)
    if errors:
        return [], errors
    if (
        not isinstance(data, Mapping)
        or set(data) != {"questions"}
        or not isinstance(data["questions"], list)
    ):
        return [], ["The file must be a mapping with only a 'questions' list (the bank's format)."]
    if not data["questions"]:
        return [], ["The file has no question."]
    if len(data["questions"]) > MAX_IMPORT_QUESTIONS:
        return [], [f"The file has over {MAX_IMPORT_QUESTIONS} questions: split it."]
    return data["questions"], []


STARTERS = {
    "single_choice": """id: my-question
kind: single_choice
topic: normalization-operation
level: junior
prompt: |
  What does the epsilon in batch normalization's denominator do?
choices:
  - text: It keeps the division defined when a channel's variance is zero.
    correct: true
  - text: It sets how fast the running statistics follow the batch.
    correct: false
  - text: It scales the normalized output before the shift is added.
    correct: false
explanation: |
  Epsilon is added to the variance before the square root so a constant channel does not
  divide by zero; momentum sets the running averages, gamma the scale.
""",
    "multiple_choice": """id: my-question
kind: multiple_choice
topic: batch-running-statistics
level: mid
prompt: |
  Which of these change between a batch norm layer's training and evaluation modes?
choices:
  - text: Which mean and variance normalize the input.
    correct: true
  - text: Whether the running statistics are updated.
    correct: true
  - text: The shape of the learned scale and shift.
    correct: false
explanation: |
  In training the batch statistics normalize and update the running averages; in
  evaluation the running averages normalize and nothing is updated. The parameters keep
  their shape in both modes.
""",
    "numeric": """id: my-question
kind: numeric
topic: normalization-operation
level: junior
prompt: |
  A channel has mean `{mu}` and variance `{var}` (eps is 0). What is the normalized value
  of `{x}`? Give 3 decimals.
params:
  x: {uniform: [1.0, 5.0], decimals: 1}
  mu: {uniform: [0.0, 1.0], decimals: 1}
  var: {uniform: [1.0, 4.0], decimals: 1}
answer: {formula: "(x - mu) / sqrt(var)"}
tolerance: {abs: 0.005}
answer_decimals: 3
explanation: |
  Subtract the mean and divide by the standard deviation, the square root of the
  variance, not by the variance itself.
""",
    "written": """id: my-question
kind: written
topic: normalization-operation
level: mid
prompt: |
  Why is the bias of a convolution followed by batch norm redundant?
expected_answer: |
  Batch norm subtracts the per-channel mean, which removes any constant the convolution
  added; its own shift (beta) then plays the bias's role.
rubric:
  - points: 2
    criterion: Says the mean subtraction cancels a per-channel constant.
  - points: 1
    criterion: Names beta as the bias that remains.
recruiter_signal: Knows what normalization removes from its input.
explanation: |
  A per-channel constant added before normalization is subtracted with the mean, so the
  convolution's bias has no effect; beta does its job.
""",
}
STARTERS[Kind.CODING] = coding.STARTER
